//! `limani serve`: a built-in harbor over the bridge protocol on stdin/stdout.

use std::process::ExitCode;
use std::sync::Arc;

use conformance::{Limani, Revision};
use reference::SqliteLimani;

use crate::args::Target;

/// `limani serve`: a built-in harbor over the bridge protocol on stdin/stdout.
pub fn run_serve(target: &Target) -> ExitCode {
    let harbor: Arc<dyn Limani> = match target {
        Target::SqliteFile(path) => match SqliteLimani::open(path) {
            Ok(h) => Arc::new(h),
            Err(e) => {
                eprintln!("limani: cannot open {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => Arc::new(SqliteLimani::open_in_memory().expect("open an in-memory SQLite harbor")),
    };
    let stdin = std::io::stdin().lock();
    match bridge::serve::serve(
        harbor,
        &target.to_string(),
        Revision::Chaos07,
        stdin,
        std::io::stdout(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("limani: serve: {e}");
            ExitCode::from(1)
        }
    }
}
