//! The reference harbors pass every check of the suite.

use conformance::suite::Outcome;
use conformance::{Revision, Suite};
use reference::SqliteLimani;

fn assert_no_failure(report: &conformance::Report) {
    let failed = report.results.iter().any(|r| r.outcome == Outcome::Failed);
    assert!(!failed, "{}", report.to_text());
    let passed = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .count();
    assert!(
        passed * 10 > report.results.len() * 9,
        "{}",
        report.to_text()
    );
}

#[test]
fn sqlite_in_memory_passes_every_check() {
    let report = Suite::new(|| SqliteLimani::open_in_memory().unwrap())
        .name("sqlite::memory:")
        .run();
    assert_no_failure(&report);
}

#[test]
fn sqlite_on_a_file_passes_every_check_including_durability() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ch-rima.db");
    let reopen_path = path.clone();
    let report = Suite::new(move || SqliteLimani::open(&path).unwrap())
        .reopen(move || SqliteLimani::open(&reopen_path).unwrap())
        .name("sqlite file")
        .run();
    let not_passed: Vec<&str> = (report.results.iter())
        .filter(|r| r.outcome != Outcome::Passed)
        .map(|r| r.id.as_str())
        .collect();
    // In process a crash cannot be made: `limani serve` behind exec: checks that (cli/tests).
    let crash = ["durability::acknowledged_writes_survive_a_crash"];
    assert_eq!(not_passed, crash, "{}", report.to_text());
}

#[test]
fn sqlite_passes_under_the_seed_revision() {
    let report = Suite::new(|| SqliteLimani::open_in_memory().unwrap())
        .revision(Revision::Seed)
        .only("lifecycle")
        .run();
    assert!(report.passed(), "{}", report.to_text());
}

#[test]
fn run_all_takes_the_harbor_itself() {
    conformance::run_all(SqliteLimani::open_in_memory().unwrap());
}
