//! `limani replay FILE TARGET`: kit traces and recordings of the real Logbook, on any target.

use std::process::ExitCode;

use conformance::fixtures::{self, Recording};

use crate::args::Certify;
use crate::targets::suite_for;

/// The largest trace `limani replay` reads: far above any session the kit writes.
const TRACE_CAP: u64 = 64 << 20;

/// A trace file's text, refused past `TRACE_CAP` rather than read into memory whole.
pub(crate) fn read_bounded(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(TRACE_CAP + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match text.len() as u64 > TRACE_CAP {
        true => Err(format!(
            "{} is larger than {} MiB: not a file the kit reads",
            path.display(),
            TRACE_CAP >> 20
        )),
        false => Ok(text),
    }
}

/// `limani replay FILE TARGET`: a kit trace (a property failure's), or a recording of the
/// real Logbook (`docs/trace-format.md`), played on the target beside the model.
pub fn run(trace: &std::path::Path, c: &Certify) -> ExitCode {
    let text = match read_bounded(trace) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("limani: {message}");
            return ExitCode::from(2);
        }
    };
    match first_key(&text).as_deref() {
        Some("limani_recording") => return recording(&text, c),
        Some("api_version") => return logbook(&text, c),
        _ => {}
    }
    let parsed = conformance::property::parse_trace(&text);
    let (steps, concurrent, readers) = match parsed {
        Ok(trace) => trace,
        Err(message) => {
            eprintln!("limani: {message}");
            return ExitCode::from(2);
        }
    };
    let suite = match suite_for(c) {
        Ok(suite) => suite,
        Err((status, message)) => {
            eprintln!("limani: {message}");
            return ExitCode::from(status);
        }
    };
    let harbor = match suite.make_harbor() {
        Ok(harbor) => harbor,
        Err(message) => {
            eprintln!("limani: {message}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = harbor.init_db() {
        eprintln!("limani: init_db failed: {e}");
        return ExitCode::from(1);
    }
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // A concurrent session's failure hangs on how its threads interleaved, which the trace does
    // not hold: it is played several times, and a clean replay says so.
    let rounds = if concurrent { CONCURRENT_ROUNDS } else { 1 };
    let mut verdict = Ok(());
    for round in 0..rounds {
        let session = conformance::property::Session::new(
            harbor.as_ref(),
            format!("replay-{nonce:x}-{round}"),
            suite.driven_revision(),
        );
        verdict = match concurrent {
            true => session.play_concurrently(&steps, readers),
            false => session.play(&steps),
        };
        if verdict.is_err() {
            break;
        }
    }
    match verdict {
        Ok(()) if concurrent => {
            println!(
                "replayed {} steps {rounds} times on {}, split over a writer and {readers} reader thread(s): every result is the contract's.\n\
                 The trace is of a concurrent session: its failure hung on how the threads interleaved, which a trace does not hold, so a clean replay proves nothing. \
                 Run the property check again with the seed it printed (limani certify TARGET --only property::concurrent_sessions_explainable --seed SEED).",
                steps.len(),
                c.target
            );
            ExitCode::SUCCESS
        }
        Ok(()) => {
            println!(
                "replayed {} steps on {}: every result is the contract's",
                steps.len(),
                c.target
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!(
                "replayed {} steps on {}: {}\n{}",
                steps.len(),
                c.target,
                failure.what,
                failure.diff.unwrap_or_default()
            );
            ExitCode::from(1)
        }
    }
}

/// How many times a concurrent trace is played before its replay is called clean.
const CONCURRENT_ROUNDS: usize = 20;

/// A v1 logbook: its import, recorded on the model, then replayed on the target.
fn logbook(text: &str, c: &Certify) -> ExitCode {
    let logbook = match limani_fixtures::logbook::Logbook::parse(text) {
        Ok(logbook) => logbook,
        Err(message) => {
            eprintln!("limani: not a logbook the kit imports: {message}");
            return ExitCode::from(2);
        }
    };
    let scenario = format!("the import of {}", logbook.run.run_id);
    let recorder =
        match fixtures::Recorder::new(conformance::MemoryLimani::new(), Vec::new(), &scenario) {
            Ok(recorder) => recorder,
            Err(e) => {
                eprintln!("limani: {e}");
                return ExitCode::from(1);
            }
        };
    if let Err(message) = limani_fixtures::logbook::import(&logbook, &recorder) {
        eprintln!("limani: {message}");
        return ExitCode::from(2);
    }
    let trace = String::from_utf8_lossy(&recorder.into_parts().1).into_owned();
    recording(&trace, c)
}

/// A recording of the real Logbook, replayed call for call (`conformance::fixtures::replay`).
fn recording(text: &str, c: &Certify) -> ExitCode {
    let recording = match Recording::parse(text) {
        Ok(recording) => recording,
        Err(message) => {
            eprintln!("limani: not a recording the kit reads: {message}");
            return ExitCode::from(2);
        }
    };
    let opened = match crate::targets::open_harbor(c) {
        Ok(opened) => opened,
        Err((status, message)) => {
            eprintln!("limani: {message}");
            return ExitCode::from(status);
        }
    };
    let harbor = &opened.harbor;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let replay = fixtures::replay(&recording, harbor.as_ref(), &format!("replay-{nonce:x}"));
    let scenario = format!("of {}", replay.scenario);
    let on = format!("{scenario} on {}", c.target);
    print!("{}", replay.to_text().replacen(&scenario, &on, 1));
    match replay.passed() {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    }
}

/// The first key of the file's first JSON object: what kind of file it is.
fn first_key(text: &str) -> Option<String> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    let rest = line.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix('"').or_else(|| {
        // A pretty-printed logbook: `{` alone on the first line.
        let next = text.lines().filter(|l| !l.trim().is_empty()).nth(1)?;
        next.trim_start().strip_prefix('"')
    })?;
    rest.split_once('"').map(|(key, _)| key.to_owned())
}
