//! `limani replay TRACE TARGET`: a session trace, as a property failure prints it, played on
//! any harbor beside the model.

use std::path::Path;
use std::process::Command;

/// Two fact logs a quarter second apart and the window between them: a closed end shows.
const TRACE: &str = r#"{"limani_trace":1,"concurrent":false,"readers":1,"steps":[
  {"do":"create_run","run":0},
  {"do":"fact_log","run":0,"at":1769462954.0,"text":"first"},
  {"do":"fact_log","run":0,"at":1769462954.25,"text":"at the end"},
  {"do":"timespan","run":0,"start":1769462954.0,"end":1769462954.25}]}"#;

fn replay(target: &str, extra: &[&str]) -> (i32, String) {
    replay_trace(TRACE, target, extra)
}

fn replay_trace(text: &str, target: &str, extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    std::fs::write(&trace, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_limani"))
        .arg("replay")
        .arg(&trace)
        .arg(target)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn a_trace_replays_clean_on_the_reference_harbor() {
    let (code, out) = replay("sqlite::memory:", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("replayed 4 steps"), "{out}");
}

#[test]
fn a_trace_shows_the_defect_of_a_broken_python_harbor() {
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors");
    let dir = tempfile::tempdir().unwrap();
    let config = serde_json::json!({"werehouse": dir.path().join("r.db")}).to_string();
    let (code, out) = replay(
        "python:broken:ClosedTimespanEnd",
        &[
            "--python-path",
            harbors.to_str().unwrap(),
            "--config",
            &config,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("step 4 (get_facts_for_timespan run0 [T+0.00, T+0.25))")
            && out.contains("differs from the contract"),
        "{out}"
    );
}

/// A concurrent trace that replays clean is played several times and says that a clean replay
/// of a race proves nothing; a concurrent trace with a defect every interleaving shows (an
/// empty fact command stored as null, in the run's final state) fails.
#[test]
fn a_concurrent_trace_says_what_a_clean_replay_means() {
    let trace = TRACE.replace("\"concurrent\":false", "\"concurrent\":true");
    let (code, out) = replay_trace(&trace, "sqlite::memory:", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("replayed 4 steps 20 times") && out.contains("a clean replay proves nothing"),
        "{out}"
    );
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors");
    let dir = tempfile::tempdir().unwrap();
    let config = serde_json::json!({"werehouse": dir.path().join("r.db")}).to_string();
    let h = harbors.to_str().unwrap();
    let broken = "python:broken:EmptyStringAsNull";
    let args = ["--python-path", h, "--config", &config];
    let trace = trace.replace("\"text\":\"first\"", "\"text\":\"\"");
    assert!(trace.contains("\"text\":\"\""), "{trace}");
    let (code, out) = replay_trace(&trace, broken, &args);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn a_trace_asking_for_absurd_threads_is_refused() {
    let trace = TRACE.replace("\"readers\":1", "\"readers\":18446744073709551615");
    let (code, out) = replay_trace(&trace, "sqlite::memory:", &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("\"readers\" is from 1 to 8"), "{out}");
}

#[test]
fn a_trace_larger_than_any_the_kit_writes_is_refused_unread() {
    let huge = format!(
        "{{\"limani_trace\":1,\"steps\":[{}]}}",
        " ".repeat(65 << 20)
    );
    let (code, out) = replay_trace(&huge, "sqlite::memory:", &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is larger than 64 MiB"), "{out}");
}
