//! `limani bench` of a Python harbor: the same workload in the harbor's own process, in rounds
//! between the bridge's, and what a failure there gives.

mod outcome;

use std::path::{Path, PathBuf};
use std::process::Command;

/// `limani bench` of `target` from the kit's harbors on the store `db`, 200 operations, with
/// `extra` arguments: its exit code, stdout and stderr.
fn bench(target: &str, db: &Path, extra: &[&str]) -> (i32, String, String) {
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors");
    let config = serde_json::json!({"werehouse": db}).to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_limani"))
        .args(["bench", target, "--operations", "200", "--config", &config])
        .arg("--python-path")
        .arg(harbors)
        .args(extra)
        .output()
        .unwrap();
    outcome::of(out)
}

/// A folder for a bench's store (`bench.db`) and figures (`figures.json`), and those paths.
fn folder() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (db, json) = (dir.path().join("bench.db"), dir.path().join("figures.json"));
    (dir, db, json)
}

fn operations_per_run(db: &Path) -> Vec<(String, i64)> {
    let store = rusqlite::Connection::open(db).unwrap();
    let mut runs = store
        .prepare("SELECT run_id, count(*) FROM operations GROUP BY run_id ORDER BY run_id")
        .unwrap();
    runs.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// `limani bench` of a Python harbor runs the same workload in the harbor's own process, in
/// rounds between the bridge's, on the same store: both runs are there, whole, and the share
/// the bridge keeps is in the figures.
#[test]
fn bench_of_a_python_harbor_runs_the_workload_in_its_own_process_too() {
    let (_dir, db, json) = folder();
    let json_arg = ["--json", json.to_str().unwrap()];
    let (code, stdout, stderr) = bench("python:good_sqlite:GoodSqlite", &db, &json_arg);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("in its own process"), "{stdout}");
    let figures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let target = &figures["targets"][0];
    let own = target["in_process_operations_per_s"].as_f64().unwrap();
    let kept = target["bridge_kept"].as_f64().unwrap();
    let through = target["operations_per_s"].as_f64().unwrap();
    assert!(
        own > 0.0 && (kept - through / own).abs() < 1e-9,
        "{figures}"
    );
    let counts = operations_per_run(&db);
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(counts[1].0.ends_with("-in-process"), "{counts:?}");
    assert!(counts.iter().all(|(_, n)| *n == 200), "{counts:?}");
}

/// A harbor whose own process dies in the workload ends the bench with exit 1, its exit status
/// and its last words, and no figures.
#[test]
fn a_harbor_dying_in_its_own_process_ends_the_bench_with_its_exit_and_stderr() {
    let (_dir, db, json) = folder();
    let json_arg = ["--json", json.to_str().unwrap()];
    let target = "python:own_process:DiesInItsOwnProcess";
    let (code, stdout, stderr) = bench(target, &db, &json_arg);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let said = "the workload in the harbor's own process failed: it ended (exit status: 7)";
    assert!(stderr.contains(said), "{stderr}");
    assert!(
        stderr.contains("dying on purpose in its own process"),
        "{stderr}"
    );
    assert!(!json.exists(), "figures written after a failure");
    // (the first round through the bridge ran whole before the own process's first round)
    assert_eq!(operations_per_run(&db).first().map(|r| r.1), Some(100));
}

/// A harbor whose own process never answers ends the bench at the time limit (`--timeout`),
/// killed, with exit 1: the bench never hangs on it.
#[test]
fn a_harbor_hanging_in_its_own_process_ends_the_bench_at_the_time_limit() {
    let (_dir, db, _) = folder();
    let target = "python:own_process:HangsInItsOwnProcess";
    let (code, stdout, stderr) = bench(target, &db, &["--timeout", "5"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let said = "the workload in the harbor's own process failed: no answer after 6 s (killed)";
    assert!(stderr.contains(said), "{stderr}");
    assert_eq!(stdout, "", "figures printed after a failure");
}
