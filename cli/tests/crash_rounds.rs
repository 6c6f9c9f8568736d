//! `limani serve` killed with SIGKILL at random points, 100 times: no acknowledged write is
//! ever lost. Prints the figure the README quotes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bridge::{HarborCommand, ProcessLimani};
use conformance::toolkit::sample;
use conformance::{Limani, Revision};
use rand::{Rng, SeedableRng};

const ROUNDS: usize = 100;

#[test]
fn no_acknowledged_write_is_lost_across_100_sigkills() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let command = HarborCommand::new(
        env!("CARGO_BIN_EXE_limani"),
        ["serve".to_owned(), format!("sqlite:{}", db.display())],
    );
    let first = ProcessLimani::spawn(&command).unwrap();
    first.init_db().unwrap();
    first
        .create_run(&sample::run("crash-run", Revision::Chaos07))
        .unwrap();
    drop(first);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x11a1);
    let (mut acknowledged, mut written) = (0usize, 0usize);
    for round in 0..ROUNDS {
        let harbor = ProcessLimani::spawn(&command).unwrap();
        let acked = AtomicUsize::new(0);
        let kill_after = Duration::from_micros(rng.random_range(0..20_000));
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0.. {
                    let ts = 1.0e9 + (round * 1_000_000 + i) as f64;
                    let fact = sample::fact("crash-run", ts, &format!("round {round} write {i}"));
                    if harbor.insert_fact_log(&fact).is_err() {
                        return; // killed: this write was never acknowledged
                    }
                    acked.store(i + 1, Ordering::SeqCst);
                }
            });
            std::thread::sleep(kill_after);
            harbor.kill();
        });
        let acked = acked.load(Ordering::SeqCst);
        let reopened = ProcessLimani::spawn(&command).unwrap();
        let start = 1.0e9 + (round * 1_000_000) as f64;
        let stored = reopened
            .get_facts_for_timespan("crash-run", start, start + 1_000_000.0)
            .unwrap()
            .len();
        assert!(
            stored >= acked,
            "round {round}: {acked} writes acknowledged, {stored} there after SIGKILL"
        );
        assert!(
            stored <= acked + 1,
            "round {round}: {stored} writes there, only {acked} (+1 in flight) sent"
        );
        (acknowledged, written) = (acknowledged + acked, written + stored);
    }
    println!("{ROUNDS} SIGKILLs of `limani serve sqlite:PATH`: {acknowledged} writes acknowledged, 0 lost ({written} found, in-flight ones included)");
}
