//! The harbor as a process: its start, its death, its lanes, what it started, what it is given.

use std::time::Instant;

use super::*;

#[test]
fn a_harbor_that_cannot_start_is_diagnosed_with_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let error = ProcessLimani::spawn(&command("no_such_module:Nothing", &dir.path().join("x.db")))
        .err()
        .unwrap();
    let text = error.to_string();
    assert!(
        text.contains("exited before its handshake") && text.contains("ModuleNotFoundError"),
        "{text}"
    );
}

#[test]
fn a_killed_harbor_fails_calls_with_a_diagnosis() {
    let dir = tempfile::tempdir().unwrap();
    let harbor =
        ProcessLimani::spawn(&command("good_sqlite:GoodSqlite", &dir.path().join("k.db"))).unwrap();
    conformance::Limani::init_db(&harbor).unwrap();
    harbor.kill();
    std::thread::sleep(Duration::from_millis(200));
    let text = conformance::Limani::init_db(&harbor)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("exited") || text.contains("closed its input"),
        "{text}"
    );
}

#[test]
fn lanes_of_ended_kit_threads_are_reused() {
    let dir = tempfile::tempdir().unwrap();
    let harbor =
        ProcessLimani::spawn(&command("good_sqlite:GoodSqlite", &dir.path().join("l.db"))).unwrap();
    conformance::Limani::init_db(&harbor).unwrap();
    for _ in 0..200 {
        // An explicit join waits for the thread's thread-locals (its lane) to be dropped.
        std::thread::scope(|s| {
            let t = s.spawn(|| {
                conformance::Limani::get_facts_for_timespan(&harbor, "run", 0.0, 1.0).unwrap()
            });
            t.join().unwrap();
        });
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", harbor.pid())).unwrap();
    let threads: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        threads <= 5,
        "200 short-lived kit threads left {threads} threads in the harbor"
    );
}

#[test]
fn payloads_that_look_like_protocol_marks_are_plain_data() {
    use conformance::toolkit::sample;
    use conformance::Limani;
    let dir = tempfile::tempdir().unwrap();
    let harbor =
        ProcessLimani::spawn(&command("good_sqlite:GoodSqlite", &dir.path().join("m.db"))).unwrap();
    harbor.init_db().unwrap();
    harbor
        .create_run(&sample::run("r", Revision::Chaos07))
        .unwrap();
    let host = harbor.get_or_create_host("r", "@local").unwrap();
    let mut op = sample::operation("r", host, "marks", 1.0);
    op.arguments =
        serde_json::json!({"a": {"$float": "nan"}, "b": {"$float": []}, "c": {"$float": "x"}})
            .into();
    harbor.insert_operation(&op).unwrap();
    let stored = harbor.get_run_data("r").unwrap().unwrap().hosts[0].operations[0]
        .arguments
        .clone()
        .unwrap();
    // Python re-spaces the text; the document is the same, keys in the same order.
    assert!(stored.parse().same(&op.arguments.parse(), true), "{stored}");
}

#[test]
fn a_harbor_that_prints_before_its_handshake_is_diagnosed_at_once() {
    let started = Instant::now();
    let command = HarborCommand::new("sh", ["-c", "echo hello there; sleep 20"]);
    let error = ProcessLimani::spawn(&command).err().unwrap().to_string();
    assert!(
        error.contains("not a JSON handshake") && error.contains("hello there"),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

/// The embedded `limani_bridge` is loaded from no folder: nothing is written where another local
/// user could plant code first (a predictable temp folder once was), and no folder of it goes
/// on the path.
#[test]
fn the_embedded_package_is_loaded_from_no_folder() {
    let command = command("good_sqlite:GoodSqlite", Path::new("/nonexistent/good.db"));
    let temp = std::env::temp_dir().display().to_string();
    assert!(
        !command.env.iter().any(|(k, _)| k == "PYTHONPATH"),
        "{:?}",
        command.env
    );
    let mentions_temp = (command
        .args
        .iter()
        .chain(command.env.iter().map(|(_, v)| v)))
    .any(|a| a.contains(&format!("{temp}/limani-bridge")));
    assert!(!mentions_temp, "{command:?}");
}

/// A `limani_bridge` on the harbor's own path (an old install, or a planted one) never shadows
/// the kit's own.
#[test]
fn an_installed_limani_bridge_does_not_shadow_the_kits_own() {
    let dir = tempfile::tempdir().unwrap();
    let planted = dir.path().join("limani_bridge");
    std::fs::create_dir(&planted).unwrap();
    std::fs::write(
        planted.join("__init__.py"),
        "raise SystemExit('shadowed')\n",
    )
    .unwrap();
    let config = serde_json::json!({"werehouse": dir.path().join("g.db")}).to_string();
    let harbor = PythonHarbor::Class("good_sqlite:GoodSqlite".to_owned());
    let command = bridge::python::command(&harbor, &[harbors(), dir.path().to_owned()], &config);
    let good = ProcessLimani::spawn(&command.unwrap()).unwrap();
    assert_eq!(good.name(), "good_sqlite:GoodSqlite");
}

/// The config may hold a password: it reaches the harbor by the environment, and no command
/// line (`ps`) or message shows it.
#[test]
fn the_config_is_on_no_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("secret-password-4242.db");
    let command = command("good_sqlite:GoodSqlite", &db);
    let shown = format!("{} {:?}", command.shown(), command.args);
    assert!(!shown.contains("secret-password-4242"), "{shown}");
    let good = ProcessLimani::spawn(&command).unwrap();
    conformance::Limani::init_db(&good).unwrap();
    assert!(db.exists(), "the harbor got its config");
}

/// A call that timed out still runs in the harbor: its lane is never handed to another kit
/// thread, which would otherwise queue behind it and time out in its turn.
#[test]
fn a_lane_with_a_call_in_flight_is_never_given_again() {
    use conformance::{Limani, LimaniError};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let mut command = command("broken:SleepsForever", &dir.path().join("s.db"));
    command.call_timeout = Duration::from_secs(1);
    let harbor = Arc::new(ProcessLimani::spawn(&command).unwrap());
    harbor.init_db().unwrap();
    let h = harbor.clone();
    let hung = std::thread::spawn(move || h.get_or_create_host("run", "@local"));
    let hung = hung.join().unwrap();
    assert!(matches!(hung, Err(LimaniError::Timeout { .. })), "{hung:?}");
    let h = harbor.clone();
    let next = std::thread::spawn(move || h.get_run_summary_stats("run"));
    let next = next.join().unwrap();
    assert!(
        next.is_ok(),
        "the next thread queued behind the hung call: {next:?}"
    );
}

/// Whatever a harbor started goes with it: the kit kills the harbor's whole process group.
#[test]
fn a_harbor_takes_the_processes_it_started_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("helper.pid");
    let config =
        serde_json::json!({"werehouse": dir.path().join("h.db"), "helper_pid_file": pid_file});
    let harbor = PythonHarbor::Class("broken:StartsAHelper".to_owned());
    let command = bridge::python::command(&harbor, &[harbors()], &config.to_string()).unwrap();
    drop(ProcessLimani::spawn(&command).unwrap());
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        common::stops(pid.trim()),
        "the helper {pid} outlived its harbor"
    );
}

/// A check abandoned on its time limit stops its harbor: a hung harbor and what it started do
/// not outlive the suite.
#[test]
fn an_abandoned_check_leaves_no_harbor_behind() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("helper.pid");
    let config =
        serde_json::json!({"werehouse": dir.path().join("h.db"), "helper_pid_file": pid_file});
    let harbor = PythonHarbor::Class("broken:HangsWithAHelper".to_owned());
    let command = bridge::python::command(&harbor, &[harbors()], &config.to_string()).unwrap();
    // A forked harbor's helper goes with it, as a new process's does.
    let launcher = Launcher::new(&command);
    assert!(launcher.forks());
    let report = Suite::new(move || launcher.spawn().unwrap())
        .only("hosts::idempotent")
        .timeout(Duration::from_secs(1))
        .run();
    assert_eq!(report.results[0].outcome, Outcome::Failed);
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        common::stops(pid.trim()),
        "the helper {pid} of the abandoned harbor still runs"
    );
    // With the suite gone, its fork server and every harbor it forked are gone too.
    for pid in common::processes_with_env(&dir.path().display().to_string()) {
        assert!(
            common::stops(&pid),
            "the Python process {pid} outlived its suite"
        );
    }
}

/// A forked harbor's lanes post calls in memory; a call too long for it (a log of 300 KiB, then
/// 600 KiB, and the run's data) takes the lane socket, each way, exact, and the calls between
/// go through the memory again. Without the memory (`LIMANI_LANE_MEMORY=0`, as where the
/// Python side cannot offer it) every call takes the lane socket, as exact.
#[rstest]
#[case::with_memory(true)]
#[case::sockets_alone(false)]
fn calls_long_and_short_are_exact_through_a_lane(#[case] memory: bool) {
    use conformance::toolkit::sample;
    use conformance::Limani;
    let dir = tempfile::tempdir().unwrap();
    let mut command = command("good_sqlite:GoodSqlite", &dir.path().join("w.db"));
    if !memory {
        command.env.push(("LIMANI_LANE_MEMORY".into(), "0".into()));
    }
    let launcher = Launcher::new(&command);
    let harbor = launcher.spawn().unwrap();
    assert_eq!(
        harbor.lanes_in_memory(),
        memory && cfg!(target_arch = "x86_64")
    );
    harbor.init_db().unwrap();
    harbor
        .create_run(&sample::run("r", Revision::Chaos07))
        .unwrap();
    let host = harbor.get_or_create_host("r", "@local").unwrap();
    let sizes = [10, 300 << 10, 10, 600 << 10, 10];
    let mut sent = Vec::new();
    for (i, size) in sizes.into_iter().enumerate() {
        let mut op = sample::operation("r", host, &format!("op {i}"), i as f64);
        let stdout = "é\"".repeat(size / 3);
        op.logs = serde_json::json!({"stdout": stdout, "stderr": ""}).into();
        harbor.insert_operation(&op).unwrap();
        assert_eq!(harbor.get_or_create_host("r", "@local").unwrap(), host);
        sent.push(op.logs);
    }
    let data = harbor.get_run_data("r").unwrap().unwrap();
    let stored: Vec<_> = data.hosts[0]
        .operations
        .iter()
        .map(|o| o.logs.clone().unwrap())
        .collect();
    assert_eq!(stored.len(), sent.len());
    for (stored, sent) in stored.iter().zip(&sent) {
        assert!(
            stored.parse().same(&sent.parse(), true),
            "{} bytes",
            stored.as_str().len()
        );
    }
}

/// A forked harbor killed while a call waits on its lane's memory fails that call with the
/// harbor's exit, not a timeout.
#[test]
fn a_harbor_killed_while_a_call_waits_in_memory_fails_it_with_its_exit() {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Launcher::new(&command("broken:SleepsForever", &dir.path().join("s.db")));
    let harbor = launcher.spawn().unwrap();
    conformance::Limani::init_db(&harbor).unwrap();
    let error = std::thread::scope(|s| {
        let call = s.spawn(|| conformance::Limani::get_or_create_host(&harbor, "run", "h"));
        // (killed before or after the call is posted, the call ends the same way)
        std::thread::sleep(Duration::from_millis(100));
        harbor.kill();
        call.join().unwrap().unwrap_err()
    });
    let text = error.to_string();
    assert!(
        !matches!(error, conformance::LimaniError::Timeout { .. }),
        "{text}"
    );
    assert!(text.contains("exited"), "{text}");
}
