//! The reference harbors and the model pass every check of the suite.

use conformance::{MemoryLimani, Revision, Suite};
use reference::SqliteLimani;

#[test]
fn the_model_passes_every_check() {
    let report = Suite::new(MemoryLimani::new).name("MemoryLimani").run();
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome != conformance::suite::Outcome::Failed),
        "{}",
        report.to_text()
    );
}

#[test]
fn sqlite_in_memory_passes_every_check() {
    let report = Suite::new(|| SqliteLimani::open_in_memory().unwrap())
        .name("sqlite::memory:")
        .run();
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome != conformance::suite::Outcome::Failed),
        "{}",
        report.to_text()
    );
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
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome == conformance::suite::Outcome::Passed),
        "{}",
        report.to_text()
    );
}

#[test]
fn sqlite_passes_under_the_seed_revision() {
    let report = Suite::new(|| SqliteLimani::open_in_memory().unwrap())
        .revision(Revision::Seed)
        .only("lifecycle")
        .run();
    assert!(report.passed(), "{}", report.to_text());
}
