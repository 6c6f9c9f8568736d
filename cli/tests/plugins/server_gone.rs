//! A plugin whose `limani serve` is gone: every call raises at once, saying so with the
//! server's last words; and a killed Logbook process leaves no server behind.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use super::python::{python_command, run_python};

/// A server that dies on start says why (its stderr) at the first call; one killed mid-run
/// makes this call and every later one raise, none of them waiting.
#[test]
fn a_dead_server_fails_every_call_at_once_with_its_last_words() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("limani");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'limani: cannot open sqlite:x: the disk is on fire' >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let out = run_python(
        r#"
import os, signal, sys, time
from limani_bridge.plugins import LimaniSqlite
from limani_bridge.client import ServerGone
folder = sys.argv[1]
broken = LimaniSqlite({"path": os.path.join(folder, "a.db"), "limani_bin": os.path.join(folder, "limani")})
try:
    broken.init_db()
except ServerGone as exc:
    assert "the disk is on fire" in str(exc) and "exit status 3" in str(exc), str(exc)
    print("start:", exc)
harbor = LimaniSqlite({"path": os.path.join(folder, "b.db")})
harbor.init_db()
run = harbor.create_run("chaos-1-1", "human", 1769462953.5, {}, set())
time.sleep(0.05)  # the server sleeps on its doorbell now: the next call rings a closed one
os.kill(harbor.server_pid(), signal.SIGKILL)
for n in range(3):
    try:
        harbor.get_run_summary_stats(run)
    except ServerGone as exc:
        assert "is gone" in str(exc), str(exc)
        print("call %d: %s" % (n, exc))
    else:
        raise AssertionError("a call answered after its server was killed")
"#
        .replace("sys.argv[1]", &format!("{:?}", dir.path().to_str().unwrap()))
        .as_str(),
        &[],
    );
    assert!(out.contains("start:") && out.contains("call 2:"), "{out}");
}

/// SIGKILL of the process that holds a plugin ends its server too: the server's stdin closes.
#[test]
fn a_killed_logbook_process_leaves_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let code = r#"
import sys
from limani_bridge.plugins import LimaniSqlite
harbor = LimaniSqlite({"path": sys.argv[1]})
harbor.init_db()
print(harbor.server_pid(), flush=True)
sys.stdin.read()
"#;
    let mut child = python_command()
        .args(["-c", code])
        .arg(dir.path().join("k.db"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server: i32 = line.trim().parse().expect("the server's pid");
    assert!(std::path::Path::new(&format!("/proc/{server}")).exists());
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The server ends when it reads the end of its stdin; it is no child of ours to reap, so
    // wait for /proc to drop it (or to show it a zombie of a reaper that has not run yet).
    let gone = || {
        std::fs::read_to_string(format!("/proc/{server}/stat")).map_or(true, |stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z'))
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !gone() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        gone(),
        "limani serve (pid {server}) outlived the process that started it"
    );
}
