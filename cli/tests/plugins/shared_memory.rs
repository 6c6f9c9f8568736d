//! The plugin's shared memory with `limani serve`: a call and its reply cross it when they fit,
//! the pipes take what does not (a line too long, a server that cannot map it), and a side that
//! sleeps is woken by the other's doorbell.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use super::python::{run_python, LIMANI};

/// Runs `code` with `sys.argv[1]` a store path in a folder of its own; its output.
fn on_a_store(code: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let code = code.replace("sys.argv[1]", &format!("{:?}", path.to_str().unwrap()));
    run_python(&code, &[])
}

/// Lines longer than the memory go on the pipes, whole; the rest through it, exact.
#[test]
fn lines_too_long_for_the_memory_take_the_pipes() {
    let out = on_a_store(
        r#"
import json, sys
from limani_bridge import shared
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
server = harbor._serve()
assert (server._shared is not None) == shared.offered(), "the server did not take the memory"
run = harbor.create_run("chaos-1-1", "human", 1769462953.5, {}, set())
host = harbor.get_or_create_host(run, "@local")
big = {"packages": ["p%06d é" % i for i in range(40000)]}  # 0.5 MB of JSON: more than the memory
for n in range(3):
    harbor.insert_operation(run_id=run, host_id=host, op_hash="h", name="op %d" % n, changed=True,
                            success=True, duration=0.1 + n, timestamp=1769462954.25 + n,
                            logs={"stdout": "", "stderr": ""}, diff="", arguments=big if n == 1 else {"n": n},
                            retry_stats={}, command_n_facts=[])
data = harbor.get_run_data(run)  # its reply is longer than the memory too
ops = data["hosts"][0]["operations"]
assert [o["name"] for o in ops] == ["op 0", "op 1", "op 2"], ops
assert json.loads(ops[1]["arguments_json"]) == big and ops[2]["duration"] == 2.1, ops[2]
assert harbor.get_run_summary_stats(run)["total_operations"] == 3
print("whole", server._shared is not None)
"#,
    );
    assert!(out.contains("whole"), "{out}");
}

/// A client that sleeps on its reply is woken by the server's doorbell, and a server that
/// sleeps between calls by the client's.
#[test]
fn a_sleeping_side_is_woken_by_the_doorbell() {
    let out = on_a_store(
        r#"
import sys, time
from limani_bridge import shared
from limani_bridge.plugins import LimaniSqlite
shared.SPIN_SECONDS = -1.0  # the client sleeps on every reply
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
run = harbor.create_run("chaos-1-1", "human", 1769462953.5, {}, set())
for i in range(200):
    harbor.insert_fact_log(run_id=run, timestamp=1769462954.0 + i, log_level="DEBUG",
                           context="fact_gathering", command="fact %d" % i)
    if i % 40 == 0:
        time.sleep(0.01)  # longer than the server watches: it sleeps, the doorbell wakes it
rows = harbor.get_facts_for_timespan(run, 1769462954.0, 1769462954.0 + 200)
assert [r["command"] for r in rows] == ["fact %d" % i for i in range(200)], rows[:3]
print("woken", harbor._serve()._shared is not None)
"#,
    );
    assert!(out.contains("woken"), "{out}");
}

/// A call interrupted while it waits in the memory (a Ctrl-C) gives up the memory: the calls
/// after it take the pipes and are answered.
#[test]
fn an_interrupted_call_leaves_the_pipes_working() {
    let out = on_a_store(
        r#"
import sys
from limani_bridge import shared
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
run = harbor.create_run("chaos-1-1", "human", 1769462953.5, {}, set())
server = harbor._serve()
if server._shared is not None:
    def interrupted(self, gone):  # the request posted, its reply not waited for
        raise KeyboardInterrupt
    shared.Shared.wait = interrupted
    try:
        harbor.get_run_summary_stats(run)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the call was not interrupted")
    assert server._shared is None, "the memory was kept after an interrupted call"
assert harbor.get_run_summary_stats(run)["total_operations"] == 0
assert harbor.get_run_data(run)["run"]["id"] == run
print("answered")
"#,
    );
    assert!(out.contains("answered"), "{out}");
}

/// `limani serve` handed a memory it cannot use says so on stderr, leaves `shared_memory` out
/// of its handshake (the client keeps to the pipes) and serves on the pipes.
#[test]
fn a_server_that_cannot_map_the_memory_serves_on_the_pipes() {
    let mut server = Command::new(LIMANI)
        .arg("serve")
        .env("LIMANI_SERVE_TARGET", "sqlite::memory:")
        .env("LIMANI_SERVE_SHARED", "not,three")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let hello = lines.next().unwrap().unwrap();
    assert!(
        hello.contains("limani_bridge") && !hello.contains("shared_memory"),
        "{hello}"
    );
    let mut stdin = server.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"id":1,"lane":1,"method":"init_db","params":{{}}}}"#
    )
    .unwrap();
    let reply = lines.next().unwrap().unwrap();
    assert_eq!(reply, r#"{"id":1,"ok":null}"#);
    drop(stdin);
    let out = server.wait_with_output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("no shared memory") && said.contains("not MEMORY,IN,OUT"),
        "{said}"
    );
}

/// A machine that will not make the memory (`memfd_create` refused) carries every call on the
/// pipes.
#[test]
fn no_memory_to_share_means_the_pipes() {
    let out = on_a_store(
        r#"
import os, sys
def refused(*args, **kwargs):
    raise PermissionError("memfd_create refused")
os.memfd_create = refused
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
run = harbor.create_run("chaos-1-1", "human", 1769462953.5, {}, set())
assert harbor._serve()._shared is None, "a memory where none could be made"
assert harbor.get_run_data(run)["run"]["id"] == run
print("piped")
"#,
    );
    assert!(out.contains("piped"), "{out}");
}
