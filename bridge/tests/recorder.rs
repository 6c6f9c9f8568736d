//! `limani-recorder`, the kit's recording harbor, in a real Python process: it wraps the kit's
//! correct Python harbor, is called as the 0.7 Logbook calls a harbor (two threads, keyword
//! writes, the status query through `connect()`), and its trace reads and replays in Rust.

use std::path::Path;
use std::process::Command;

use conformance::fixtures::{self, Recording};
use conformance::{Exact, MemoryLimani};

/// A Logbook-shaped session against `Recorder`, as a Python script.
const SESSION: &str = r#"
import json, sys, threading, time
from limani_bridge.recorder import Recorder
trace, db = sys.argv[1], sys.argv[2]
harbor = Recorder({"record_inner": "good_sqlite:GoodSqlite", "record_to": trace,
                   "record_scenario": "kit session", "werehouse": db})
harbor.init_db()
run = harbor.create_run("chaos-1-2", "chaos-2026/11/25-00:00:00", 1769462953.6252427,
                        {"user": "u", "boatswain": "127.0.0.1", "hostname": "h"}, {"token"})
host = harbor.get_or_create_host(run, "@local")
def writer():
    harbor.connect()
    harbor.insert_fact_log(run_id=run, timestamp=1769462954.25, log_level="DEBUG",
                           context="fact_gathering", command="files.Directory (path=/x)")
    harbor.insert_operation(run_id=run, host_id=host, op_hash="abc", name="Make /x", changed=True,
                            success=True, duration=0.0136, timestamp=1769462954.5,
                            logs={"stdout": "", "stderr": ""}, diff="", arguments={"$only": 1},
                            retry_stats={}, command_n_facts=[])
    harbor.insert_snapshot(run_id=run, host_id=host, stage="pre_operations", timestamp=1769462954.0,
                           metrics={"ram_percent": 24.0})
    harbor.disconnect()
t = threading.Thread(target=writer); t.start(); t.join()
harbor.get_facts_for_timespan(run, 1769462954.0, 1769462955.0)
harbor.get_run_data(run)
harbor.get_run_summary_stats(run)
row = harbor.connect().execute("SELECT status FROM runs WHERE id = ?", (run,)).fetchone()
assert row["status"] == "in_progress"
harbor.end_run_update(run, 1769462999.5, "success", {"total_operations": 1, "status": "success"})
harbor.disconnect()
"#;

#[test]
fn the_recorder_writes_a_trace_the_kit_reads_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("session.trace.jsonl");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python_path = format!(
        "{}:{}",
        root.join("python").display(),
        root.join("harbors").display()
    );
    let out = Command::new(bridge::python::interpreter())
        .args(["-c", SESSION])
        .arg(&trace)
        .arg(dir.path().join("store.db"))
        .env("PYTHONPATH", python_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let recording = Recording::parse(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    assert_eq!(recording.about("harbor"), Some("good_sqlite:GoodSqlite"));
    assert_eq!(recording.about("scenario"), Some("kit session"));
    let lanes: Vec<&str> = recording.calls.iter().map(|c| c.lane.as_str()).collect();
    assert!(
        lanes.contains(&"main") && lanes.contains(&"thread-1"),
        "{lanes:?}"
    );
    let create = recording
        .calls
        .iter()
        .find(|c| c.method == "create_run")
        .unwrap();
    assert_eq!(
        (create.positional, create.args[4].python_type.as_str()),
        (5, "set")
    );
    let write = recording
        .calls
        .iter()
        .find(|c| c.method == "insert_operation")
        .unwrap();
    assert_eq!((write.positional, write.keywords().len()), (0, 13));
    // A dict whose only key starts with `$` is escaped, and read back as that dict.
    assert_eq!(write.arg("arguments").unwrap().to_text(), r#"{"$only":1}"#);
    let status = recording
        .calls
        .iter()
        .find(|c| c.method.ends_with(".__getitem__"))
        .unwrap();
    assert_eq!(status.outcome, Ok(Exact::Str("in_progress".into())));

    let replay = fixtures::replay(&recording, &MemoryLimani::new(), "");
    assert!(replay.passed(), "{}", replay.to_text());
    assert_eq!(replay.calls, recording.calls.len());
}
