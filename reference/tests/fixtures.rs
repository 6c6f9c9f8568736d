//! The recorded runs of the real Logbook on the reference SQLite harbor, in memory and on a
//! file: each recording replays, each logbook under `fixtures/` round-trips (import, then
//! export: the same document, ids up to one renaming per kind).

use conformance::fixtures::{self, Recording};
use conformance::logbook;
use reference::SqliteLimani;

fn replays_and_round_trips(harbor: &SqliteLimani, what: &str) {
    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).unwrap();
        let replay = fixtures::replay(&recording, harbor, what);
        assert!(replay.passed(), "{what}: {}", replay.to_text());
    }
    for (name, text) in fixtures::logbooks() {
        logbook::round_trip(text, harbor).unwrap_or_else(|e| panic!("{what}, {name}: {e}"));
    }
}

#[test]
fn in_memory() {
    replays_and_round_trips(&SqliteLimani::open_in_memory().unwrap(), "sqlite::memory:");
}

#[test]
fn on_a_file_and_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ch-rima.db");
    replays_and_round_trips(&SqliteLimani::open(&path).unwrap(), "sqlite file");
    // The runs imported before are still there, exported the same after a reopen.
    let reopened = SqliteLimani::open(&path).unwrap();
    for (name, text) in fixtures::logbooks() {
        let run = logbook::Logbook::parse(text).unwrap().run.run_id;
        let again = logbook::export_run(&reopened, &run).unwrap().unwrap();
        logbook::same_logbook(text, &again).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
