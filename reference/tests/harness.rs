//! The checks as tests of `cargo test`, over the reference SQLite harbor on a file of a private
//! folder: `cargo test -p reference --test harness -- timespan::` runs one group.

use std::process::ExitCode;

use reference::SqliteLimani;

fn main() -> ExitCode {
    let folder = tempfile::tempdir().expect("a private folder");
    let (open, reopen) = (
        folder.path().join("ch-rima.db"),
        folder.path().join("ch-rima.db"),
    );
    let suite =
        conformance::Suite::new(move || SqliteLimani::open(&open).expect("the store opens"))
            .reopen(move || SqliteLimani::open(&reopen).expect("the store opens again"))
            .name("sqlite file");
    // The folder goes after the tests, before the process ends.
    let code = conformance::harness_with(suite);
    drop(folder);
    code
}
