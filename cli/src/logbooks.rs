//! `limani export` and `limani import`: v1 logbooks out of and into any harbor's store.

use std::path::Path;
use std::process::ExitCode;

use limani_fixtures::logbook::{self, Logbook};

use crate::args::Certify;
use crate::replay::read_bounded;
use crate::targets::open_harbor;

fn fail((status, message): (u8, String)) -> ExitCode {
    eprintln!("limani: {message}");
    ExitCode::from(status)
}

/// Writes the run's logbook, as Ch-aOS 0.7 exports it, to `output` or stdout.
pub fn export(run: &str, output: Option<&Path>, c: &Certify) -> ExitCode {
    if let crate::args::Target::SqliteFile(path) = &c.target {
        if !path.exists() {
            return fail((2, format!("no such store: {}", path.display())));
        }
    }
    let opened = match open_harbor(c) {
        Ok(opened) => opened,
        Err(e) => return fail(e),
    };
    let harbor = &opened.harbor;
    // As every chaos command does: a store the Logbook never wrote gets its (empty) tables.
    if let Err(e) = harbor.init_db() {
        return fail((1, format!("init_db failed: {e}")));
    }
    // A SQLite store is read as Ch-rima reads it, which is how Ch-aOS exported it.
    let order = match c.target {
        crate::args::Target::SqliteFile(_) => logbook::HostOrder::ByName,
        _ => logbook::HostOrder::Harbor,
    };
    let text = match logbook::export_run_in(harbor.as_ref(), run, order) {
        Ok(Some(text)) => text,
        Ok(None) => return fail((1, format!("no run {run:?} in {}", c.target))),
        Err(e) => return fail((1, format!("cannot read the run {run:?}: {e}"))),
    };
    match output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return fail((1, format!("cannot write {}: {e}", path.display())));
            }
            eprintln!("limani: wrote the logbook of {run} to {}", path.display());
        }
    }
    ExitCode::SUCCESS
}

/// Writes a logbook's run into the target's store; prints its run id as the last line. A run
/// of that id already there is refused (exit 2, nothing written) unless `new_run_id`.
pub fn import(path: &Path, new_run_id: bool, c: &Certify) -> ExitCode {
    let parsed = read_bounded(path).and_then(|text| {
        Logbook::parse(&text)
            .map_err(|e| format!("{} is not a logbook the kit imports: {e}", path.display()))
    });
    let logbook = match parsed {
        Ok(logbook) if new_run_id => logbook.with_run_id(&fresh_run_id()),
        Ok(logbook) => logbook,
        Err(message) => return fail((2, message)),
    };
    let opened = match open_harbor(c) {
        Ok(opened) => opened,
        Err(e) => return fail(e),
    };
    let harbor = &opened.harbor;
    match logbook::import(&logbook, harbor.as_ref()) {
        Ok(run_id) => {
            println!("{run_id}");
            ExitCode::SUCCESS
        }
        Err(message) if message.contains("nothing was written") => fail((
            2,
            format!("{message} (--new-run-id imports it as a new run)"),
        )),
        Err(message) => fail((1, message)),
    }
}

/// A run id of the Logbook's shape, `chaos-<unix time>-<13 digits>`, not used before here.
fn fresh_run_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let digits = (u128::from(now.subsec_nanos()) << 20 | u128::from(std::process::id()))
        % 10_000_000_000_000;
    format!("chaos-{}-{digits:013}", now.as_secs())
}
