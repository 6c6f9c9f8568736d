//! How many of 100 seeds find each sequence-only defect of the zoo within the property
//! part's default budget. `cargo bench -p reference --bench property_power`.

#[path = "../tests/zoo/mod.rs"]
#[allow(dead_code)]
mod zoo;

use std::time::Instant;

use conformance::suite::Outcome;
use zoo::{suite, Defect};

const SEEDS: u64 = 100;

fn main() {
    println!(
        "property part, default budget of {} sessions per check, {SEEDS} seeds per defect",
        conformance::property::DEFAULT_CASES
    );
    for &defect in Defect::SEQUENCE_ONLY {
        let started = Instant::now();
        let found = (0..SEEDS)
            .filter(|&seed| {
                let report = suite(defect)
                    .only(defect.caught_by().0)
                    .seed(seed)
                    .cases(conformance::property::DEFAULT_CASES)
                    .run();
                report.results[0].outcome == Outcome::Failed
            })
            .count();
        println!(
            "  {defect:?}: found by {found} of {SEEDS} seeds ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
}
