//! How many checks each defect of the zoo fails: one cause should fail one or two required
//! checks, not ten. `cargo bench -p reference --bench blast_radius` prints a line per defect
//! (required failures, recommended warnings, the checks) and the distribution.

#[path = "../tests/zoo/mod.rs"]
#[allow(dead_code)]
mod zoo;

use std::collections::BTreeMap;
use std::time::Duration;

use conformance::suite::Outcome;
use conformance::Level;
use zoo::{suite, Defect};

fn main() {
    let mut histogram: BTreeMap<usize, usize> = BTreeMap::new();
    let correct = Defect::CERTIFY.iter().filter(|d| !Defect::ALL.contains(d));
    for &defect in Defect::ALL.iter().chain(correct) {
        let report = suite(defect).timeout(Duration::from_secs(2)).run();
        let failed = |level| -> Vec<&str> {
            (report.results.iter())
                .filter(|r| r.outcome == Outcome::Failed && r.level == level)
                .map(|r| r.id.as_str())
                .collect()
        };
        let (required, recommended) = (failed(Level::Required), failed(Level::Recommended));
        *histogram.entry(required.len()).or_default() += 1;
        println!(
            "{defect:<34?} {:>2} required {:>2} recommended  {}",
            required.len(),
            recommended.len(),
            [required, recommended].concat().join(" ")
        );
    }
    println!("\nrequired checks failed per defect: defects");
    for (n, defects) in histogram {
        println!("{n:>3}: {defects}");
    }
}
