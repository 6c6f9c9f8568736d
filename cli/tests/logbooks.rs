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
    // The same bytes but for the fact ids, which the new store numbers its own way.
    let without_ids = |text: &str| -> Vec<String> {
        (text.lines())
            .filter(|l| !l.trim_start().starts_with("\"id\":"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(without_ids(&again), without_ids(&original));

    let (code, _, err) = limani(&["import", &fixture("secrets.logbook.json"), &store]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already") && err.lines().count() == 1, "{err}");
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
