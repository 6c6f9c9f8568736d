//! A server the kit started itself that dies mid-run is no defect of the harbor: `limani
//! certify postgres:local` whose cluster is killed after a few checks names that event once,
//! ends `incomplete` with exit 3 (never `NOT certified`), and removes the cluster's folder.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[test]
fn a_killed_local_cluster_makes_the_run_incomplete_not_failed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_limani"))
        .args(["certify", "postgres:local"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).unwrap();
        text
    });
    let mut progress = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = String::new();
    let mut folder: Option<PathBuf> = None;
    let mut passed = 0;
    // The cluster's folder from the kit's own line, then five checks passed on it.
    while let Some(Ok(line)) = progress.next() {
        said += &line;
        said.push('\n');
        if let Some(dir) = line.strip_prefix("limani: PostgreSQL from local cluster in ") {
            folder = Some(PathBuf::from(dir.trim()));
        }
        passed += usize::from(line.trim_start().starts_with("passed"));
        if passed == 5 {
            break;
        }
    }
    let folder = folder.unwrap_or_else(|| panic!("no cluster folder said:\n{said}"));
    assert_eq!(
        passed, 5,
        "the run ended before five checks passed:\n{said}"
    );
    let pid = std::fs::read_to_string(folder.join("data/postmaster.pid")).unwrap();
    let pid = pid.lines().next().unwrap().trim().to_owned();
    let killed = Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    assert!(killed.success(), "kill -KILL {pid}");
    for line in progress.map_while(Result::ok) {
        said += &line;
        said.push('\n');
    }
    let status = child.wait().unwrap();
    let report = reading.join().unwrap();
    assert_eq!(status.code(), Some(3), "{report}\n{said}");
    assert!(
        report.contains("incomplete: the server the kit started for the harbor was lost"),
        "{report}"
    );
    assert!(!report.contains("NOT certified"), "{report}");
    assert_eq!(
        report
            .matches("--- the server the kit started for the harbor was lost")
            .count(),
        1,
        "{report}"
    );
    assert!(!folder.exists(), "the cluster's folder {folder:?} is left");
}
