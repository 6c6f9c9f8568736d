//! `limani serve`: a built-in harbor over the bridge protocol on stdin/stdout, on a store that
//! outlives it (what the `limani-sqlite` and `limani-postgres` Ch-aOS plugins talk to).

use std::process::ExitCode;
use std::sync::Arc;

use conformance::{Limani, LimaniError, Revision, Suite};
use reference::{AsyncPostgresLimani, PostgresLimani, SqliteLimani};

use crate::args::{without_passwords, Target};
use crate::targets::LOGBOOK_SCHEMA;

/// `limani serve`: a built-in harbor over the bridge protocol on stdin/stdout, until `shutdown`
/// or the end of stdin (its client gone).
pub fn run_serve(target: &Target) -> ExitCode {
    let harbor = match open(target) {
        Ok(harbor) => harbor,
        Err(e) => {
            eprintln!("limani: cannot open {target}: {}", without_passwords(&e));
            return ExitCode::from(3);
        }
    };
    match bridge::serve::serve_stdio(harbor, &target.to_string(), Revision::Chaos07) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("limani: serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// The harbor on the target's store: a SQLite file or memory, or the logbook schema of a
/// PostgreSQL server (the one `limani import` and `limani export` use).
fn open(target: &Target) -> Result<Arc<dyn Limani>, String> {
    let text = |e: LimaniError| e.to_string();
    Ok(match target {
        Target::SqliteFile(path) => Arc::new(SqliteLimani::open(path).map_err(text)?),
        Target::SqliteMemory => Arc::new(SqliteLimani::open_in_memory().map_err(text)?),
        Target::Postgres(url) => Arc::new(PostgresLimani::open(url, LOGBOOK_SCHEMA).map_err(text)?),
        Target::PostgresAsync(url) => {
            // Opened once, here, so that a server it cannot reach is said before the handshake.
            let url = url.clone();
            let suite = Suite::new_async(move || {
                let url = url.clone();
                async move {
                    (AsyncPostgresLimani::open(&url, LOGBOOK_SCHEMA).await)
                        .unwrap_or_else(|e| panic!("{e}"))
                }
            });
            Arc::from(suite.make_harbor()?)
        }
        // `args` lets serve take only the stores above.
        other => return Err(format!("{other} is not a store `limani serve` serves")),
    })
}
