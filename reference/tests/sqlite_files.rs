//! The SQLite harbor on real files: Ch-aOS (Python's sqlite3) and Rust read each other's
//! databases, data survives reopening, and the Logbook's two-thread pattern runs without errors.

use std::path::Path;
use std::process::Command;

use conformance::{Limani, NewFactLog, NewOperation, NewRun, NewSnapshot};
use reference::sqlite::chrima_path;
use reference::SqliteLimani;
use serde_json::{json, Value};

/// Runs a Python script with the database path as its argument; returns its stdout.
fn python(script: &str, db: &Path) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(db)
        .output()
        .expect("python3 must be installed to run the interop tests");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Ch-rima's schema and writes, as Ch-aOS 0.7 does them, in Python.
const PYTHON_WRITES: &str = r#"
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA journal_mode=WAL")
conn.executescript('''
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, run_id_human TEXT NOT NULL, start_time REAL NOT NULL,
  end_time REAL, status TEXT NOT NULL CHECK(status IN ('in_progress', 'success', 'failure')),
  summary_json TEXT, hailer_json TEXT);
CREATE TABLE IF NOT EXISTS hosts (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, name TEXT NOT NULL,
  summary_json TEXT, FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE, UNIQUE (run_id, name));
CREATE TABLE IF NOT EXISTS operations (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
  host_id INTEGER NOT NULL, op_hash TEXT, name TEXT NOT NULL, changed INTEGER NOT NULL, success INTEGER NOT NULL,
  duration REAL NOT NULL, timestamp REAL NOT NULL, logs_json TEXT, diff TEXT, arguments_json TEXT,
  retry_stats_json TEXT, command_n_facts_in_order_json TEXT,
  FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE, FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS resource_snapshots (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
  host_id INTEGER NOT NULL, stage TEXT, timestamp REAL NOT NULL, metrics_json TEXT,
  FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE, FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS command_n_facts_in_order (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
  timestamp REAL NOT NULL, log_level TEXT, context TEXT, command TEXT,
  FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS idx_operations_run_host ON operations (run_id, host_id);
CREATE INDEX IF NOT EXISTS idx_snapshots_run_host ON resource_snapshots (run_id, host_id);
CREATE INDEX IF NOT EXISTS idx_facts_run_timestamp ON command_n_facts_in_order (run_id, timestamp);
''')
run = "chaos-1769462953-7451800858269"
conn.execute("INSERT INTO runs (id, run_id_human, start_time, status, hailer_json) VALUES (?, ?, ?, ?, ?)",
    (run, "chaos-2026/01/26-21:29:13", 1769462953.6252427, "in_progress",
     json.dumps({"user": "dex", "boatswain": "10.0.0.1", "hostname": "Dionysus"})))
host = conn.execute("INSERT INTO hosts (run_id, name) VALUES (?, ?)", (run, "@local")).lastrowid
conn.execute("INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command) VALUES (?, ?, ?, ?, ?)",
    (run, 1769462954.5272543, "DEBUG", "fact_gathering", "files.Directory (path=/var/lib/chaos)"))
facts = [dict(zip(["id", "run_id", "timestamp", "log_level", "context", "command"], r))
         for r in conn.execute("SELECT * FROM command_n_facts_in_order")]
conn.execute("""INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration, timestamp,
    logs_json, diff, arguments_json, retry_stats_json, command_n_facts_in_order_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
    (run, host, "=784a97bf", "Ensuring directory ✓", int(True), int(False), 0.0997, 1769462954.62,
     json.dumps({"stdout": "", "stderr": "é"}), "", json.dumps({"_sudo": True, "_sudo_user": None, "big": 2**70}),
     json.dumps({"retry_attempts": 0, "max_retries": 0, "retry_info": {}}), json.dumps(facts)))
conn.execute("INSERT INTO resource_snapshots (run_id, host_id, stage, timestamp, metrics_json) VALUES (?, ?, ?, ?, ?)",
    (run, host, "pre_operations", 1769462953.6523194, json.dumps({"cpu_load_1min": 0.67, "ram_percent": 24.0})))
conn.execute("UPDATE runs SET end_time = ?, status = ?, summary_json = ? WHERE id = ?",
    (1769462999.5, "failure", json.dumps({"total_operations": 1, "total_duration": 0.0997, "status": "failure"}), run))
conn.commit()
"#;

#[test]
fn reads_a_database_written_by_python_with_chrimas_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    python(PYTHON_WRITES, &db);
    let harbor = SqliteLimani::open(&db).unwrap();
    harbor.init_db().unwrap();
    let data = harbor
        .get_run_data("chaos-1769462953-7451800858269")
        .unwrap()
        .unwrap();
    assert_eq!(data.run.start_time, 1769462953.6252427);
    assert_eq!(data.run.end_time, Some(1769462999.5));
    assert_eq!(
        data.run.required_secrets, None,
        "an older database has no secrets recorded"
    );
    let op = &data.hosts[0].operations[0];
    assert_eq!(
        (op.name.as_str(), op.changed, op.success, op.duration),
        ("Ensuring directory ✓", true, false, 0.0997)
    );
    // Payloads come back as the text Python wrote.
    let arguments = op.arguments.as_ref().unwrap().as_str();
    assert!(
        arguments.contains(r#""big": 1180591620717411303424"#),
        "{arguments}"
    );
    let logs = op.logs.as_ref().unwrap().as_str();
    assert_eq!(logs, r#"{"stdout": "", "stderr": "\u00e9"}"#);
    let facts = op.command_n_facts.as_ref().unwrap().as_str();
    assert!(
        facts.contains(r#""command": "files.Directory (path=/var/lib/chaos)""#),
        "{facts}"
    );
    assert_eq!(data.snapshots[0].host_name, "@local");
    assert_eq!(data.fact_logs[0].timestamp, 1769462954.5272543);
    // init_db added Ch-aOS 0.7's column, and new runs may use it.
    let mut new = NewRun {
        run_id: "r2".into(),
        run_id_human: "h".into(),
        start_time: 1.0,
        hailer_info: json!({}).into(),
        required_secrets: Some(["vault/token".to_owned()].into()),
    };
    harbor.create_run(&new).unwrap();
    new.required_secrets = Some(["vault/token".to_owned()].into());
    assert_eq!(
        harbor
            .get_run_data("r2")
            .unwrap()
            .unwrap()
            .run
            .required_secrets,
        new.required_secrets
    );
}

/// Ch-rima's `get_run_data`, in Python, on a database Rust wrote; prints the row shape as JSON.
const PYTHON_READS: &str = r#"
import json, sqlite3, sys
from collections import defaultdict
conn = sqlite3.connect(sys.argv[1])
conn.row_factory = sqlite3.Row
run_id = "chaos-rust-1"
run = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
ops = defaultdict(list)
for op in conn.execute("SELECT * FROM operations WHERE run_id = ? ORDER BY timestamp ASC", (run_id,)):
    ops[op["host_id"]].append(dict(op))
hosts = []
for h in conn.execute("SELECT * FROM hosts WHERE run_id = ?", (run_id,)):
    d = dict(h); d["operations"] = ops.get(h["id"], []); hosts.append(d)
snaps = [dict(s) for s in conn.execute("SELECT s.*, h.name as host_name FROM resource_snapshots s JOIN hosts h ON s.host_id = h.id WHERE s.run_id = ? ORDER BY s.timestamp ASC", (run_id,))]
facts = [dict(f) for f in conn.execute("SELECT * FROM command_n_facts_in_order WHERE run_id = ? ORDER BY timestamp ASC", (run_id,))]
data = {"run": dict(run), "hosts": hosts, "snapshots": snaps, "fact_logs": facts}
# What the export does with the rows: bool() on flags, json.loads on payloads.
op = hosts[0]["operations"][0]
assert bool(op["changed"]) is True and bool(op["success"]) is False, op
assert json.loads(op["arguments_json"])["big"] == 2**64 + 1
assert json.loads(op["logs_json"])["stdout"] == "a\x00b ✓"
assert json.loads(run["required_secrets"]) == ["a", "b"]
print(json.dumps(data))
"#;

#[test]
fn python_reads_a_database_written_here_as_chrima_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    let harbor = SqliteLimani::open(&db).unwrap();
    harbor.init_db().unwrap();
    harbor
        .create_run(&NewRun {
            run_id: "chaos-rust-1".into(),
            run_id_human: "chaos-2026/11/25-05:00:00".into(),
            start_time: 1764046800.1234567,
            hailer_info: json!({"user": "u", "boatswain": "::1", "hostname": "h"}).into(),
            required_secrets: Some(["b".to_owned(), "a".to_owned()].into()),
        })
        .unwrap();
    let host = harbor.get_or_create_host("chaos-rust-1", "@local").unwrap();
    harbor
        .insert_fact_log(&NewFactLog {
            run_id: "chaos-rust-1".into(),
            timestamp: 1764046800.5,
            log_level: "DEBUG".into(),
            context: "fact_gathering".into(),
            command: "echo 'hi'".into(),
        })
        .unwrap();
    harbor
        .insert_operation(&NewOperation {
            run_id: "chaos-rust-1".into(),
            host_id: host,
            op_hash: "=abc".into(),
            name: "op".into(),
            changed: true,
            success: false,
            duration: 0.1234,
            timestamp: 1764046801.0,
            logs: json!({"stdout": "a\u{0}b ✓", "stderr": ""}).into(),
            diff: String::new(),
            arguments: conformance::Json::new(r#"{"big": 18446744073709551617, "f": 1e-7}"#)
                .unwrap(),
            retry_stats: json!({"retry_attempts": 0}).into(),
            command_n_facts: json!([]).into(),
        })
        .unwrap();
    harbor
        .insert_snapshot(&NewSnapshot {
            run_id: "chaos-rust-1".into(),
            host_id: host,
            stage: "pre_operations".into(),
            timestamp: 1764046800.25,
            metrics: json!({"ram_percent": 24.0}).into(),
        })
        .unwrap();
    let rows: Value = serde_json::from_str(&python(PYTHON_READS, &db)).unwrap();
    let from_python = conformance::rows::from_rows(&rows).unwrap();
    let from_rust = harbor.get_run_data("chaos-rust-1").unwrap().unwrap();
    assert_eq!(
        serde_json::to_string(&from_python).unwrap(),
        serde_json::to_string(&from_rust).unwrap()
    );
}

#[test]
fn every_acknowledged_write_survives_disconnect_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("logbook.db");
    let first = SqliteLimani::open(&db).unwrap();
    first.init_db().unwrap();
    first
        .create_run(&NewRun {
            run_id: "r".into(),
            run_id_human: "h".into(),
            start_time: 1.5,
            hailer_info: json!({}).into(),
            required_secrets: None,
        })
        .unwrap();
    let host = first.get_or_create_host("r", "@local").unwrap();
    let before = first.get_run_data("r").unwrap().unwrap();
    first.disconnect().unwrap();
    drop(first);
    let second = SqliteLimani::open(&db).unwrap();
    second.init_db().unwrap();
    assert_eq!(second.get_run_data("r").unwrap().unwrap(), before);
    assert_eq!(second.get_or_create_host("r", "@local").unwrap(), host);
    assert_ne!(second.get_or_create_host("r", "other").unwrap(), host);
}

#[test]
fn chrimas_path_rule_is_followed() {
    let home = Path::new("/home/dex");
    assert_eq!(
        chrima_path(None, home, ""),
        Path::new("/home/dex/.local/share/chaos/logbook/ch-rima.db/ch-rima.db")
    );
    assert_eq!(
        chrima_path(Some(Path::new("/srv/lb")), home, "team.db"),
        Path::new("/srv/lb/ch-rima.db/team.db")
    );
}

#[test]
fn the_logbooks_two_threads_work_at_once_without_lock_errors() {
    let dir = tempfile::tempdir().unwrap();
    let harbor = SqliteLimani::open(dir.path().join("ch-rima.db")).unwrap();
    harbor.init_db().unwrap();
    harbor
        .create_run(&NewRun {
            run_id: "r".into(),
            run_id_human: "h".into(),
            start_time: 0.0,
            hailer_info: json!({}).into(),
            required_secrets: None,
        })
        .unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            harbor.connect().unwrap();
            for i in 0..500 {
                let fact = NewFactLog {
                    run_id: "r".into(),
                    timestamp: f64::from(i),
                    log_level: "DEBUG".into(),
                    context: "fact_gathering".into(),
                    command: format!("cmd {i}"),
                };
                harbor.insert_fact_log(&fact).unwrap();
            }
            harbor.disconnect().unwrap();
        });
        for _ in 0..3 {
            s.spawn(|| {
                for i in 0..300 {
                    harbor
                        .get_or_create_host("r", &format!("host-{}", i % 7))
                        .unwrap();
                    let facts = harbor.get_facts_for_timespan("r", 0.0, 1e9).unwrap();
                    assert!(facts.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
                }
            });
        }
    });
    let data = harbor.get_run_data("r").unwrap().unwrap();
    assert_eq!((data.fact_logs.len(), data.hosts.len()), (500, 7));
}

#[test]
fn an_in_memory_harbor_keeps_its_data_across_disconnect() {
    let harbor = SqliteLimani::open_in_memory().unwrap();
    harbor.init_db().unwrap();
    let run = NewRun {
        run_id: "r".into(),
        run_id_human: "h".into(),
        start_time: 1.0,
        hailer_info: json!({}).into(),
        required_secrets: None,
    };
    harbor.create_run(&run).unwrap();
    harbor.disconnect().unwrap();
    harbor.connect().unwrap();
    assert!(harbor.get_run_data("r").unwrap().is_some());
}

/// A `ch-rima.db` as Ch-aOS writes it exports as Ch-aOS would export its run; a database of
/// Ch-aOS before 0.7 (no secrets recorded) gives a logbook without `secrets_required`.
#[test]
fn a_database_written_as_chrima_does_exports_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    python(PYTHON_WRITES, &db);
    let harbor = SqliteLimani::open(&db).unwrap();
    // As `limani export` and every chaos command: init_db adds 0.7's column to an older store.
    harbor.init_db().unwrap();
    let text = conformance::logbook::export_run(&harbor, "chaos-1769462953-7451800858269")
        .unwrap()
        .unwrap();
    assert!(
        text.starts_with(
            "{\n    \"api_version\": \"v1\",\n    \"run_id\": \"chaos-2026/01/26-21:29:13\",\n"
        ),
        "{text}"
    );
    assert!(!text.contains("secrets_required"), "{text}");
    assert!(
        text.contains("\"operation\": \"Ensuring directory \\u2713\""),
        "{text}"
    );
    assert!(text.contains("\"big\": 1180591620717411303424"), "{text}");
    let logbook = conformance::logbook::Logbook::parse(&text).unwrap();
    assert_eq!(logbook.status, conformance::RunStatus::Failure);
}
