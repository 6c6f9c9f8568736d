//! `limani certify` as a user runs it: exit codes, progress, and the reports a CI reads.

mod outcome;

use std::process::Command;

fn limani(args: &[&str]) -> (i32, String, String) {
    limani_with(args, &[])
}

fn limani_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    outcome::of(
        Command::new(env!("CARGO_BIN_EXE_limani"))
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap(),
    )
}

#[test]
fn certifies_the_reference_harbor_on_a_file_with_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    let (json, junit, md) = (
        dir.path().join("r.json"),
        dir.path().join("r.xml"),
        dir.path().join("r.md"),
    );
    let (code, stdout, stderr) = limani(&[
        "certify",
        &format!("sqlite:{}", db.display()),
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("passed  durability::reopen_keeps_everything"),
        "{stderr}"
    );
    // In process the store cannot be crashed: that required check does not run, and the run
    // is "incomplete", never "certified".
    assert!(
        stdout.contains(" passed, 0 failed, 0 warned, 1 skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("incomplete: 1 required checks did not run (durability::acknowledged_writes_survive_a_crash)"), "{stdout}");
    assert!(!stdout.contains("certified"), "{stdout}");
    assert!(
        stderr.contains("skipped durability::acknowledged_writes_survive_a_crash"),
        "{stderr}"
    );
    // The table is not printed again after the progress lines.
    assert!(
        !stdout.contains("passed  durability::reopen_keeps_everything"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(json).unwrap();
    assert!(
        text.starts_with("{\n  \"verdict\": \"incomplete\",\n  \"kit\": \"limani-kit "),
        "{text}"
    );
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(report["results"].as_array().unwrap().len() >= 50);
    assert_eq!(report["counts"]["skipped"], 1);
    assert!(report["date"].as_str().unwrap().ends_with('Z') && report["contract"].is_string());
    let statuses: Vec<&str> = (report["results"].as_array().unwrap().iter())
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| ["passed", "warned", "skipped"].contains(s)),
        "{statuses:?}"
    );
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<testcase name=\"timespan::half_open\" classname=\"timespan\""),
        "{xml}"
    );
    let markdown = std::fs::read_to_string(md).unwrap();
    assert!(
        markdown.contains("· **incomplete** ·") && markdown.contains("| skipped |"),
        "{markdown}"
    );
}

#[test]
fn a_store_that_breaks_the_contract_exits_1_with_the_failures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("foreign.db");
    // A database whose `runs` table is not Ch-rima's: init_db keeps it, and writes fail.
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE runs (id TEXT PRIMARY KEY)'); c.commit()"])
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, stdout, _) = limani(&[
        "certify",
        &format!("sqlite:{}", db.display()),
        "--only",
        "lifecycle::run_reads_back",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("failed lifecycle::run_reads_back - "),
        "{stdout}"
    );
    assert!(
        stdout.contains("reproduce: limani certify sqlite:"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["certify"][..],
        &["certify", "mysql://x"],
        &["certify", "sqlite::memory:", "--timeout", "soon"],
        &["certify", "sqlite::memory:", "--timeout", "1e300"],
        &["certify", "sqlite::memory:", "--timeout", "-5"],
        &["certify", "sqlite::memory:", "--only", "no::such_check"],
        &["certify", "sqlite::memory:", "--skip", "no::such_check"],
        &["certify", "sqlite::memory:", "--cases", "0"],
        &["certify", "sqlite::memory:", "--seed", "-1"],
        &["frobnicate"],
    ] {
        let (code, _, stderr) = limani(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("limani: "), "{stderr}");
        // One line, a tip at most, and where to read more: never the whole usage.
        assert!(
            stderr.lines().count() <= 3 && stderr.contains("see `limani"),
            "{stderr}"
        );
    }
}

#[test]
fn a_typo_gets_a_suggestion_and_version_and_help_answer() {
    let (code, _, stderr) = limani(&["certfy", "sqlite::memory:"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a similar subcommand exists: 'certify'"),
        "{stderr}"
    );
    let (code, stdout, _) = limani(&["--version"]);
    assert_eq!(
        (code, stdout.trim()),
        (0, concat!("limani ", env!("CARGO_PKG_VERSION")))
    );
    let (code, stdout, _) = limani(&["certify", "--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("--timeout <SECONDS>") && stdout.contains("EXIT STATUS"),
        "{stdout}"
    );
}

#[test]
fn the_model_certifies_with_cases_and_a_seed() {
    let (code, stdout, stderr) = limani(&[
        "certify",
        "memory:",
        "--only",
        "property",
        "--cases=4",
        "--seed=7",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("3 passed, 0 failed"), "{stdout}");
}

#[test]
fn the_contract_document_lists_every_check_with_its_clause() {
    let (code, table, _) = limani(&["checks", "--markdown"]);
    assert_eq!(code, 0);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/contract.md"))
        .unwrap();
    for row in table.lines().skip(2) {
        assert!(
            doc.contains(row),
            "docs/contract.md lacks (regenerate with `limani checks --markdown`):\n{row}"
        );
    }
}

#[test]
fn postgres_targets_certify_the_postgres_harbor() {
    let (code, stdout, stderr) = limani(&[
        "certify",
        "postgres:local",
        "--only",
        "lifecycle",
        "--only",
        "fidelity::nul_characters",
    ]);
    if code != 0 && stderr.contains("no PostgreSQL server") {
        return reference::unavailable("postgres", &stderr);
    }
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("PostgreSQL from local cluster in"),
        "{stderr}"
    );
    assert!(
        stderr.contains("passed  fidelity::nul_characters"),
        "{stdout}{stderr}"
    );
    let (code, _, stderr) = limani(&["certify", "postgres:nowhere"]);
    assert_eq!(code, 2, "{stderr}");
}

/// `postgres-async:` certifies the async PostgreSQL harbor, its async-only checks with the
/// others; a URL's password is never printed.
#[test]
fn the_postgres_async_target_certifies_the_async_harbor() {
    let args = [
        "certify",
        "postgres-async:local",
        "--only",
        "lifecycle",
        "--only",
        "tasks",
    ];
    let (code, stdout, stderr) = limani(&args);
    if code != 0 && stderr.contains("no PostgreSQL server") {
        return reference::unavailable("postgres", &stderr);
    }
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for check in [
        "tasks::one_thread_runtime",
        "tasks::cancelled_writes_all_or_nothing",
    ] {
        assert!(stderr.contains(&format!("passed  {check}")), "{stderr}");
    }
    let url = "postgres-async://kit:s3cret@127.0.0.1:9/none";
    let (code, stdout, stderr) = limani(&["certify", url, "--only", "tasks"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        !format!("{stdout}{stderr}").contains("s3cret"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn malformed_property_settings_are_one_clear_error() {
    for (name, value) in [
        ("LIMANI_CASES", "abc"),
        ("LIMANI_CASES", "0"),
        ("LIMANI_CASES", "-5"),
        ("LIMANI_SEED", "x"),
    ] {
        let (code, _, stderr) = limani_with(&["certify", "sqlite::memory:"], &[(name, value)]);
        assert_eq!(code, 2, "{name}={value}: {stderr}");
        assert!(
            stderr.starts_with(&format!("limani: {name} must be")),
            "{stderr}"
        );
    }
}

/// A user's existing logbook is certified on a private copy: not one byte of it changes.
#[test]
fn an_existing_logbook_is_certified_on_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    user_logbook(&db);
    let files = || {
        let mut files: Vec<_> = (std::fs::read_dir(dir.path()).unwrap())
            .map(|e| e.unwrap().file_name())
            .collect();
        files.sort();
        files
    };
    let (before, beside) = (std::fs::read(&db).unwrap(), files());
    let (code, stdout, stderr) = limani(&[
        "certify",
        &format!("sqlite:{}", db.display()),
        "--only",
        "lifecycle",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("certifying a private copy"), "{stderr}");
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the user's logbook changed"
    );
    assert_eq!(files(), beside, "files beside it changed");
}

/// `--in-place` certifies the file itself and takes the kit's runs out again; a database with
/// tables Ch-rima does not make is refused.
#[test]
fn in_place_keeps_only_the_users_runs_and_refuses_a_foreign_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ch-rima.db");
    user_logbook(&db);
    let target = format!("sqlite:{}", db.display());
    let (code, stdout, stderr) = limani(&["certify", &target, "--only", "lifecycle", "--in-place"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let runs: Vec<String> = rusqlite::Connection::open(&db)
        .unwrap()
        .prepare("SELECT id FROM runs")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs, ["chaos-1769462953-7451800858269"]);
    let foreign = dir.path().join("app.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute("CREATE TABLE users (id INTEGER)", [])
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let (code, _, stderr) = limani(&[
        "certify",
        &format!("sqlite:{}", foreign.display()),
        "--in-place",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("holds tables Ch-rima does not make (users)"),
        "{stderr}"
    );
    assert!(std::fs::read(&foreign).unwrap() == before);
}

/// A logbook with one real run, as Ch-aOS leaves it.
fn user_logbook(db: &std::path::Path) {
    use conformance::{toolkit::sample, Limani, Revision};
    let harbor = reference::SqliteLimani::open(db).unwrap();
    harbor.init_db().unwrap();
    harbor
        .create_run(&sample::run(
            "chaos-1769462953-7451800858269",
            Revision::Chaos07,
        ))
        .unwrap();
    drop(harbor);
}

/// The main job: the reference harbor, served by limani itself on a private file, runs every
/// check (durability and crashes too) and is certified; its folder is gone afterwards.
#[test]
fn the_reference_target_certifies_with_every_check() {
    let before = folders("limani-reference-");
    let (code, stdout, stderr) = limani(&["certify", "reference:"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("certified: ") && last.contains(" 0 failed, 0 warned, 0 skipped"),
        "{stdout}"
    );
    assert_eq!(
        folders("limani-reference-"),
        before,
        "the private folder is removed"
    );
}

fn folders(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = (std::fs::read_dir(std::env::temp_dir()).unwrap())
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// `limani bench`: each target's operations/s, calls/s, ratio to the first, p50/p99 per method.
#[test]
fn bench_compares_targets() {
    let (code, stdout, stderr) =
        limani(&["bench", "sqlite::memory:", "memory:", "--operations", "200"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("sqlite::memory:: ")
            && stdout.contains("1.00x the first target (200 operations)"),
        "{stdout}"
    );
    assert!(stdout.contains("\nmemory:: "), "{stdout}");
    assert!(
        stdout.contains("  insert_operation             200 calls  mean "),
        "{stdout}"
    );
    let (code, _, stderr) = limani(&["bench"]);
    assert_eq!(code, 2, "{stderr}");
}
