//! `limani replay` of recordings, `limani import` and `limani export`, on the real binary.

use std::path::Path;
use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/../fixtures/recorded/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn limani(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_limani"))
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn a_recording_of_the_real_logbook_replays_on_a_target() {
    let (code, out, err) = limani(&[
        "replay",
        &fixture("failing-step.trace.jsonl"),
        "sqlite::memory:",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(
            "replayed 41 calls of failing-step on sqlite::memory:: every result is the contract's"
        ),
        "{out}"
    );
}

#[test]
fn a_logbook_replays_as_its_import() {
    let (code, out, err) = limani(&["replay", &fixture("fleet.logbook.json"), "sqlite::memory:"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("replayed ") && out.contains(" calls of the import of chaos-"),
        "{out}"
    );
    assert!(
        out.contains("on sqlite::memory:: every result is the contract's"),
        "{out}"
    );
}

#[test]
fn a_logbook_imports_exports_and_is_refused_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let (code, out, err) = limani(&["import", &fixture("secrets.logbook.json"), &store]);
    assert_eq!(code, 0, "{out}{err}");
    let run = out.lines().last().unwrap().to_owned();
    assert!(run.starts_with("chaos-"), "{out}");

    let exported = dir.path().join("out.json");
    let (code, out, err) = limani(&[
        "export",
        &store,
        "--run",
        &run,
        "-o",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let original = std::fs::read_to_string(fixture("secrets.logbook.json")).unwrap();
    let again = std::fs::read_to_string(&exported).unwrap();
    conformance::logbook::same_logbook(&original, &again).unwrap();

    let (code, _, err) = limani(&["import", &fixture("secrets.logbook.json"), &store]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already") && err.lines().count() == 1, "{err}");

    // As a new run: a fresh id, every cross-reference kept.
    let (code, out, err) = limani(&[
        "import",
        &fixture("secrets.logbook.json"),
        &store,
        "--new-run-id",
    ]);
    assert_eq!(code, 0, "{err}");
    let second = out.lines().last().unwrap().to_owned();
    assert!(second.starts_with("chaos-") && second != run, "{out}");
    let (code, out, err) = limani(&["export", &store, "--run", &second]);
    assert_eq!(code, 0, "{err}");
    conformance::logbook::same_logbook(&original, &out).unwrap();
    assert!(
        !out.contains(&run),
        "the first run's id is left in the second's logbook"
    );
}

/// The import of a logbook replayed on a harbor whose timespan includes its end: the first call
/// that differs is the Logbook's read of an operation's fact logs, named with its window.
#[test]
fn a_logbook_replay_names_the_read_a_closed_timespan_gets_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let logbook = format!(
        "{}/../fixtures/written/contexts.logbook.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let harbors = format!(
        "--python-path={}/../bridge/harbors",
        env!("CARGO_MANIFEST_DIR")
    );
    let config = serde_json::json!({"werehouse": dir.path().join("b.db")}).to_string();
    let target = "python:broken:ClosedTimespanEnd";
    let (code, out, err) = limani(&["replay", &logbook, target, &harbors, "--config", &config]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("get_facts_for_timespan"), "{out}");
    let (code, out, err) = limani(&[
        "replay",
        &logbook,
        "python:good_sqlite:GoodSqlite",
        &harbors,
        "--config",
        &config,
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    let store = dir.path().join("store.db");
    let target = format!("sqlite:{}", store.display());
    for (text, said) in [
        ("not json", "not JSON"),
        ("{\"api_version\": \"v2\"}", "is not \"v1\""),
        ("{\"api_version\": \"v1\"}", "no \"uggly_run_id\""),
    ] {
        std::fs::write(&bad, text).unwrap();
        let (code, _, err) = limani(&["import", bad.to_str().unwrap(), &target]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(said) && err.lines().count() == 1, "{err}");
    }
    assert!(
        !Path::new(&store).exists(),
        "a refused import wrote a store"
    );
    let (code, _, err) = limani(&["export", "sqlite::memory:", "--run", "nope"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no run \"nope\""), "{err}");
}

/// A target with a server of its own (a throwaway cluster) lives as long as the replay does.
#[test]
fn a_recording_replays_on_a_local_postgres_cluster() {
    let (code, out, err) = limani(&["replay", &fixture("secrets.trace.jsonl"), "postgres:local"]);
    if code != 0 && err.contains("no PostgreSQL server") {
        return reference::unavailable("postgres", &err);
    }
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("calls of secrets on postgres:local: every result is the contract's"),
        "{out}"
    );
}

/// `limani export sqlite:PATH` of a database as Ch-rima wrote it (the fleet run's calls up to
/// its export, replayed on the reference SQLite harbor, hosts created in the Logbook's order)
/// gives the file Ch-aOS wrote from it, byte for byte: hosts in Ch-rima's order, by name.
#[test]
fn the_export_of_a_chrima_database_is_the_file_chaos_wrote() {
    use conformance::fixtures::{self, Recording};
    let fleet = (fixtures::recorded().into_iter())
        .find(|f| f.scenario == "fleet")
        .unwrap();
    let mut recording = Recording::parse(fleet.trace).unwrap();
    let export = (recording.calls.iter())
        .position(|c| c.method == "get_run_data")
        .unwrap();
    recording.calls.truncate(export);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ch-rima.db");
    let harbor = reference::SqliteLimani::open(&path).unwrap();
    let replay = fixtures::replay(&recording, &harbor, "");
    assert!(replay.passed(), "{}", replay.to_text());
    drop(harbor);
    let run = conformance::logbook::Logbook::parse(fleet.logbook)
        .unwrap()
        .run
        .run_id;
    let store = format!("sqlite:{}", path.display());
    let (code, out, err) = limani(&["export", &store, "--run", &run]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out == fleet.logbook,
        "{}",
        first_different_line(&out, fleet.logbook)
    );
}

fn first_different_line(a: &str, b: &str) -> String {
    match a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        Some((n, (x, y))) => format!("line {}: {x:?} vs {y:?}", n + 1),
        None => format!("{} lines vs {}", a.lines().count(), b.lines().count()),
    }
}

/// On a PostgreSQL URL, import writes into the server's logbook schema, kept: a later export
/// (another process) reads the run back whole.
#[test]
fn a_logbook_imported_into_postgres_stays_there() {
    let server = match reference::PgServer::local() {
        Ok(server) => server,
        Err(why) => return reference::unavailable("postgres", &why),
    };
    let logbook = format!(
        "{}/../fixtures/written/contexts.logbook.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, err) = limani(&["import", &logbook, server.url()]);
    assert_eq!(code, 0, "{err}");
    let run = out.lines().last().unwrap().to_owned();
    let (code, out, err) = limani(&["export", server.url(), "--run", &run]);
    assert_eq!(code, 0, "{err}");
    let original = std::fs::read_to_string(&logbook).unwrap();
    conformance::logbook::same_logbook(&original, &out).unwrap();
}
