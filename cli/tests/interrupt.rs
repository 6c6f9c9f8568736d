//! Ctrl-C and SIGTERM on `limani certify`: the run stops, and what it started goes with it.

#[path = "../../bridge/tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn harbors() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors")
}

/// The child's stderr lines, read on a thread that drains the pipe to its end (a pipe closed
/// early would make the child's last words fail).
fn read_on(child: &mut Child) -> std::sync::mpsc::IntoIter<String> {
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx.into_iter()
}

/// Sends `signal` to `child` and waits for it to end; its exit status.
fn interrupt(child: &mut Child, signal: i32) -> Option<i32> {
    // SAFETY: kill(2) of our own child process.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    child.wait().ok().and_then(|s| s.code())
}

/// A hung harbor (and the helper it started) goes when the run is interrupted, by either signal.
#[test]
fn an_interrupted_run_leaves_no_harbor_behind() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("helpers");
        let config =
            serde_json::json!({"werehouse": dir.path().join("h.db"), "helper_pid_file": pid_file});
        let mut child = Command::new(env!("CARGO_BIN_EXE_limani"))
            .args(["certify", "python:broken:HangsWithAHelper", "--python-path"])
            .arg(harbors())
            .args([
                "--config",
                &config.to_string(),
                "--only",
                "hosts::idempotent",
                "--timeout",
                "600",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The first harbor only tells its revision; the check's harbor is the second one. The
        // pipe is read to its end: closed early, it would make the run's last words fail.
        let mut lines = read_on(&mut child);
        assert!(lines.any(|l| l.contains("certifying")));
        let helpers = || std::fs::read_to_string(&pid_file).unwrap_or_default();
        assert!((0..500).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            helpers().lines().count() >= 2
        }));
        assert_eq!(interrupt(&mut child, signal), Some(130), "signal {signal}");
        for pid in helpers().lines() {
            assert!(
                common::stops(pid),
                "signal {signal}: the helper {pid} outlived the run"
            );
        }
        // The fork server and every harbor it forked go too.
        for pid in common::processes_with_env(&dir.path().display().to_string()) {
            assert!(
                common::stops(&pid),
                "signal {signal}: the Python process {pid} outlived the run"
            );
        }
    }
}

/// The throwaway PostgreSQL cluster of an interrupted run is stopped and its folder removed.
#[test]
fn an_interrupted_run_removes_its_postgres_cluster() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_limani"))
        .args(["certify", "postgres:local", "--only", "property"])
        .env("LIMANI_CASES", "100000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = read_on(&mut child);
    let Some(from) = lines.find(|l| l.contains("PostgreSQL from") || l.contains("no PostgreSQL"))
    else {
        panic!("limani said nothing of PostgreSQL");
    };
    let Some(folder) = from.split("local cluster in ").nth(1).map(str::to_owned) else {
        let _ = child.kill();
        return reference::unavailable("postgres", &from);
    };
    assert!(lines.any(|l| l.contains("certifying")));
    assert!(Path::new(&folder).exists());
    assert_eq!(interrupt(&mut child, libc::SIGINT), Some(130));
    assert!(!Path::new(&folder).exists(), "{folder} is still there");
}
