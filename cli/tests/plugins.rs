//! The reference harbors as Ch-aOS plugins (`limani-sqlite`, `limani-postgres`): Python classes
//! in `limani_bridge.plugins` that forward every call to `limani serve`. Judged the way the kit
//! judges anyone's harbor (certify and replay through `entry-point:`), and used the way the
//! Logbook uses one (config, threads, a server that dies, a process that is killed).

#[path = "plugins/python.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

use python::{run_python, LIMANI};
use reference::PgServer;

fn limani(args: &[&str], config: &str) -> (i32, String) {
    let out = Command::new(LIMANI)
        .args(args)
        .args(["--config", config])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn sqlite_config(dir: &Path, name: &str) -> String {
    serde_json::json!({"path": dir.join(name)}).to_string()
}

fn postgres_config(server: &PgServer, asynchronous: bool) -> String {
    serde_json::json!({"dsn": server.url(), "async": asynchronous}).to_string()
}

fn recorded_traces() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/recorded");
    let mut traces: Vec<PathBuf> = (std::fs::read_dir(folder).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".trace.jsonl"))
        .collect();
    traces.sort();
    assert!(
        traces.len() >= 5,
        "the recorded runs are missing: {traces:?}"
    );
    traces
}

#[test]
fn limani_sqlite_certifies_through_its_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(dir.path(), "logbook.db");
    let (code, text) = limani(&["certify", "entry-point:limani-sqlite"], &config);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("certified: 64 passed, 0 failed"), "{text}");
    assert!(
        text.contains("limani-sqlite (limani_bridge.plugins"),
        "{text}"
    );
}

#[test]
fn limani_postgres_certifies_through_its_entry_point() {
    let server = PgServer::local().unwrap_or_else(|e| panic!("{e}"));
    let (code, text) = limani(
        &["certify", "entry-point:limani-postgres"],
        &postgres_config(&server, false),
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("certified: 64 passed, 0 failed"), "{text}");
}

/// Every recorded real run, its calls issued to the plugins as the Logbook issued them (each
/// recorded thread a lane of its own, the Logbook's keyword shapes and Python types), gives
/// the recorded results: on SQLite, and on PostgreSQL through the sync and the async harbor.
#[test]
fn every_recorded_run_replays_through_the_plugins() {
    let dir = tempfile::tempdir().unwrap();
    let server = PgServer::local().unwrap_or_else(|e| panic!("{e}"));
    let mut diverged = Vec::new();
    for (n, trace) in recorded_traces().iter().enumerate() {
        let trace = trace.to_str().unwrap();
        let configs = [
            (
                "limani-sqlite",
                sqlite_config(dir.path(), &format!("{n}.db")),
            ),
            ("limani-postgres", postgres_config(&server, n % 2 == 1)),
        ];
        for (plugin, config) in configs {
            let target = format!("entry-point:{plugin}");
            let (code, text) = limani(&["replay", trace, &target], &config);
            if code != 0 || !text.contains("every result is the contract's") {
                diverged.push(format!(
                    "{trace} on {plugin} ({config}): exit {code}\n{text}"
                ));
            }
        }
    }
    assert!(diverged.is_empty(), "{}", diverged.join("\n-----\n"));
}

/// A bad config is one exception at `init_db`, naming the key; Ch-aOS's other keys are ignored.
#[test]
fn a_bad_config_is_one_clear_error_at_init_db() {
    let out = run_python(
        r#"
from limani_bridge.plugins import LimaniSqlite, LimaniPostgres, ConfigError
cases = [
    (LimaniSqlite, {"werehouse": 3}, "'werehouse' must be text"),
    (LimaniSqlite, {"werehouse": "a.db", "path": "/tmp/b.db"}, "'path' and 'werehouse'"),
    (LimaniSqlite, {"path": "/proc/no/such/x.db"}, "config key 'path'"),
    (LimaniPostgres, {"chobolo_file": "x.yml"}, "'dsn' is missing"),
    (LimaniPostgres, {"dsn": "mysql://me:s3cret@db/x"}, "'dsn' must be a postgres://"),
    (LimaniPostgres, {"dsn": "postgres://db/x", "async": "yes"}, "'async' must be true or false"),
    (LimaniSqlite, {"limani_bin": "/no/such/limani", "path": "/tmp/x.db"}, "'limani_bin'"),
]
for cls, config, said in cases:
    harbor = cls(dict(config, chobolo_file="ignored.yml"))
    try:
        harbor.init_db()
    except ConfigError as exc:
        assert said in str(exc), (config, str(exc))
        assert "s3cret" not in str(exc), str(exc)
        print("refused:", exc)
    else:
        raise AssertionError("accepted %r" % (config,))
print("all refused")
"#,
        &[],
    );
    assert!(out.contains("all refused"), "{out}");
}

/// `connect()` gives what the Logbook's `end_run` uses: its status query answered through the
/// harbor (by column name; no row for an unknown run), any other SQL refused by name.
#[test]
fn connect_answers_the_logbook_status_query_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_python(
        r#"
import sys
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
run = harbor.create_run("chaos-2-2", "human", 1769462953.5, {}, set())
harbor.start_update_run(run, "failure")
conn = harbor.connect()
print("status", conn.execute("SELECT status FROM runs WHERE id = ?", (run,)).fetchone()["status"])
print("unknown", conn.execute("SELECT status FROM runs WHERE id = ?", ("nope",)).fetchone())
try:
    conn.execute("DELETE FROM runs")
except NotImplementedError as exc:
    print("refused:", exc)
harbor.disconnect()
"#
        .replace(
            "sys.argv[1]",
            &format!("{:?}", dir.path().join("c.db").to_str().unwrap()),
        )
        .as_str(),
        &[],
    );
    assert!(
        out.contains("status failure") && out.contains("unknown None"),
        "{out}"
    );
    assert!(
        out.contains("refused:") && out.contains("'DELETE FROM runs'"),
        "{out}"
    );
}

/// Without `path` or `werehouse`, the logbook is `limani-sqlite.db` in Ch-aOS's logbook folder.
#[test]
fn the_default_store_is_in_chaos_logbook_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("logbook");
    let out = run_python(
        r#"
import os, time
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"werehouse": ""})
harbor.init_db()
run = harbor.create_run("chaos-1-1", "chaos-human", time.time(), {"user": "u"}, set())
harbor.close()
again = LimaniSqlite({})
print("status", again.get_run_data(run)["run"]["status"])
print("files", sorted(os.listdir(os.environ["CHAOS_LOGBOOK_DIR"])))
"#,
        &[("CHAOS_LOGBOOK_DIR", folder.to_str().unwrap())],
    );
    assert!(out.contains("status in_progress"), "{out}");
    assert!(out.contains("'limani-sqlite.db'"), "{out}");
}

/// The Logbook's threads (a writer thread beside the main thread), several harbors in one
/// process, and two processes on one store at once: every write is kept, every id is one.
#[test]
fn threads_instances_and_two_processes_share_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("shared.db");
    let script = r#"
import sys, threading, time
from limani_bridge.plugins import LimaniSqlite
path, tag = sys.argv[1], sys.argv[2]
harbors = [LimaniSqlite({"path": path}) for _ in range(2)]
harbors[0].init_db()
runs = []
for n, harbor in enumerate(harbors):
    run = harbor.create_run("chaos-%s-%d" % (tag, n), "human", 1769462953.5, {"user": tag}, {"s"})
    host = harbor.get_or_create_host(run, "@local")
    def writer(harbor=harbor, run=run, host=host):
        harbor.connect()
        for i in range(60):
            harbor.insert_fact_log(run_id=run, timestamp=1769462954.0 + i, log_level="DEBUG",
                                   context="fact_gathering", command="fact %d" % i)
            harbor.insert_operation(run_id=run, host_id=host, op_hash="h%d" % i, name="op %d" % i,
                                    changed=i % 2 == 0, success=True, duration=0.25,
                                    timestamp=1769462954.5 + i, logs={"stdout": "", "stderr": ""},
                                    diff="", arguments={"n": i}, retry_stats={}, command_n_facts=[])
        harbor.disconnect()
    thread = threading.Thread(target=writer)
    thread.start()
    for i in range(60):  # the main thread's reads and host lookups, while the writer writes
        assert harbor.get_or_create_host(run, "@local") == host
        harbor.get_facts_for_timespan(run, 1769462954.0, 1769462954.0 + i)
    thread.join()
    runs.append(run)
for harbor, run in zip(harbors, runs):
    data = harbor.get_run_data(run)
    ops = data["hosts"][0]["operations"]
    assert [o["name"] for o in ops] == ["op %d" % i for i in range(60)], ops
    assert len(data["fact_logs"]) == 60
    assert harbor.get_run_summary_stats(run)["total_operations"] == 60
print("kept", tag)
"#;
    let script_file = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
    std::fs::write(script_file.path(), script).unwrap();
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|tag| {
            python::python_command()
                .arg(script_file.path())
                .arg(&store)
                .arg(tag)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.contains("kept"), "{text}");
    }
}

#[path = "plugins/server_gone.rs"]
mod server_gone;

#[path = "plugins/real_chaos.rs"]
mod real_chaos;

#[path = "plugins/shared_memory.rs"]
mod shared_memory;
