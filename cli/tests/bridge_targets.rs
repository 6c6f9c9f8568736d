//! `limani certify` of harbors in other processes: Python classes, installed entry points,
//! and any program speaking the bridge protocol.

#[allow(dead_code)]
mod python_setup;

use std::path::{Path, PathBuf};
use std::process::Command;

fn limani(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_limani"));
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

fn harbors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors")
}

fn config(db: &Path) -> String {
    serde_json::json!({"werehouse": db}).to_string()
}

#[test]
fn a_python_harbor_certifies_in_two_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (harbors, config) = (harbors(), config(&dir.path().join("good.db")));
    let args = [
        "certify",
        "python:good_sqlite:GoodSqlite",
        "--python-path",
        harbors.to_str().unwrap(),
        "--config",
        &config,
    ];
    let (code, stdout, stderr) = limani(&args, &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(" passed, 0 failed, 0 warned, 0 skipped"),
        "{stdout}"
    );
    assert!(stderr.contains("create_run revision Chaos07"), "{stderr}");
}

#[test]
fn a_broken_python_harbor_exits_1_and_one_that_cannot_start_is_diagnosed() {
    let dir = tempfile::tempdir().unwrap();
    let (harbors, config) = (harbors(), config(&dir.path().join("b.db")));
    let h = harbors.to_str().unwrap();
    let logs = dir.path().join("logs");
    let (code, stdout, _) = limani(
        &[
            "certify",
            "python:broken:ClosedTimespanEnd",
            "--python-path",
            h,
            "--config",
            &config,
            "--only",
            "timespan",
            "--log-dir",
            logs.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    // Each check that did not pass has its file, with every call that led there.
    let log = std::fs::read_to_string(logs.join("timespan__half_open.txt")).unwrap();
    assert!(
        log.starts_with("failed timespan::half_open (Required)")
            && log.contains("  #1 [")
            && log.contains("every call, arguments and results whole (8):\n#1 [check thread] init_db() -> Ok(())"),
        "{log}"
    );
    assert!(
        stdout.contains("see docs/python-harbors.md#what-the-reads-return for timespan::half_open"),
        "{stdout}"
    );
    // One cause, said once: the checks it fails are grouped in the short summary.
    assert!(
        stdout.contains(
            "failed timespan::half_open - a row at end_time: the window's end is exclusive (+2 follow)"
        ) && stdout.contains(
            "follows from it: 2 checks: timespan::empty_and_inverted, timespan::only_the_run"
        ),
        "{stdout}"
    );
    let (code, _, stderr) = limani(
        &[
            "certify",
            "python:no_such_module:Harbor",
            "--python-path",
            h,
        ],
        &[],
    );
    // Exit 3, one line naming the cause and the fix; the traceback only with -v.
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("cannot import module 'no_such_module': check --python-path")
            && !stderr.contains("Traceback"),
        "{stderr}"
    );
    let (code, _, stderr) = limani(
        &[
            "certify",
            "python:no_such_module:Harbor",
            "--python-path",
            h,
            "-v",
        ],
        &[],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("ModuleNotFoundError"), "{stderr}");
    let (code, _, stderr) = limani(&["certify", "python:just_a_module"], &[]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn the_reference_harbor_served_over_the_bridge_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let serve = format!(
        "exec:{} serve sqlite:{}",
        env!("CARGO_BIN_EXE_limani"),
        dir.path().join("served.db").display()
    );
    let (code, stdout, stderr) = limani(&["certify", &serve], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("passed  durability::acknowledged_writes_survive_a_crash"),
        "{stderr}"
    );
    assert!(
        stdout.contains(" passed, 0 failed, 0 warned, 0 skipped"),
        "{stdout}"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "build" || name.to_string_lossy().ends_with(".egg-info") || name == "__pycache__"
        {
            continue;
        }
        match entry.file_type().unwrap().is_dir() {
            true => copy_tree(&entry.path(), &to.join(&name)),
            false => drop(std::fs::copy(entry.path(), to.join(&name)).unwrap()),
        }
    }
}

/// A virtual environment with the bridge and a harbor distribution installed by pip.
/// The `limani_bridge` package alone, as stdlib Python: a copy of `bridge/python` whose
/// project is built by setuptools instead of maturin (which would build `limani` too; the wheel
/// test, `wheel.rs`, installs that). Same package, same entry points.
fn pure_bridge(dir: &Path) -> PathBuf {
    let bridge = dir.join("limani-bridge");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/python"),
        &bridge,
    );
    let pyproject = std::fs::read_to_string(bridge.join("pyproject.toml")).unwrap();
    let (project, _) = pyproject.split_once("[tool.maturin]").unwrap();
    let (_, project) = project.split_once("[project]").unwrap();
    let setuptools = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
        [tool.setuptools]\npackages = [\"limani_bridge\"]\n\n[project]";
    let pyproject = format!("{setuptools}{project}").replace("readme = \"README.md\"\n", "");
    std::fs::write(bridge.join("pyproject.toml"), pyproject).unwrap();
    bridge
}

fn venv_with_harbor(dir: &Path) -> PathBuf {
    let venv = dir.join("venv");
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new(bridge::python::interpreter())
        .args(["-m", "venv"])
        .arg(&venv));
    let pip = venv.join("bin/pip");
    run(Command::new(&pip)
        .args(["install", "-q"])
        .arg(pure_bridge(dir)));
    let project = dir.join("good-harbor");
    python_setup::python_harbor_project(&project, "good");
    run(Command::new(&pip).args(["install", "-q"]).arg(&project));
    venv
}

#[test]
fn an_installed_harbor_certifies_by_entry_point_and_with_the_pip_installed_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv_with_harbor(dir.path());
    let python = venv.join("bin/python");
    let config = config(&dir.path().join("ep.db"));
    let (code, stdout, stderr) = limani(
        &[
            "certify",
            "entry-point:good",
            "--config",
            &config,
            "--only",
            "lifecycle",
        ],
        &[("LIMANI_PYTHON", &python)],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("good (good_sqlite:GoodSqlite)"), "{stderr}");
    // The same harbor through the bridge package pip installed, started by any command line.
    let exec = format!(
        "exec:{} -m limani_bridge --entry-point good --config '{config}'",
        python.display()
    );
    let (code, stdout, stderr) = limani(&["certify", &exec, "--only", "hosts"], &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (code, _, stderr) = limani(
        &["certify", "entry-point:absent"],
        &[("LIMANI_PYTHON", &python)],
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("no harbor named 'absent' in the entry-point group chaos.limanis"),
        "{stderr}"
    );
}

/// A recommended failure is a warning (exit 0); `--strict` makes it count (exit 1).
#[test]
fn strict_counts_a_recommended_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (harbors, config) = (harbors(), config(&dir.path().join("chrima.db")));
    let mut args = vec![
        "certify",
        "python:chrima_like:ChrimaLike",
        "--python-path",
        harbors.to_str().unwrap(),
        "--config",
        &config,
        "--only",
        "run_data::hosts_in_creation_order",
    ];
    let (code, stdout, stderr) = limani(&args, &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  warned run_data::hosts_in_creation_order - "),
        "{stdout}"
    );
    args.push("--strict");
    let (code, stdout, stderr) = limani(&args, &[]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("  failed run_data::hosts_in_creation_order - "),
        "{stdout}"
    );
}

/// pytest, with the plugin pip installed with the bridge package: one item per check, named by
/// its id; a broken harbor fails the item of the check that catches it, with the kit's report.
#[test]
fn pytest_certifies_a_harbor_with_one_item_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv_with_harbor(dir.path());
    let out = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "pytest"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let pytest = |args: &[&str]| {
        let out = Command::new(venv.join("bin/pytest"))
            .args(["-p", "no:cacheprovider", "-q", "-rfEsw", "--strict-markers"])
            .args(args)
            .current_dir(&work)
            .env("LIMANI_BIN", env!("CARGO_BIN_EXE_limani"))
            .env("LIMANI_PYTHON", venv.join("bin/python"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), text)
    };
    let good = config(&dir.path().join("good.db"));
    let junit = dir.path().join("junit.xml");
    let (code, text) = pytest(&[
        "--limani",
        "entry-point:good",
        "--limani-config",
        &good,
        "--junitxml",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(" passed") && text.contains("limani-kit verdict: certified"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    // pytest writes the node id limani::timespan::half_open as a class and a name.
    assert!(
        xml.contains("limani.timespan\" name=\"half_open\"") && xml.contains("tests=\"64\""),
        "{xml}"
    );

    let harbors = harbors();
    let broken = config(&dir.path().join("broken.db"));
    let (code, text) = pytest(&[
        "--limani",
        "python:broken:ClosedTimespanEnd",
        "--limani-python-path",
        harbors.to_str().unwrap(),
        "--limani-config",
        &broken,
        "-k",
        "half_open",
    ]);
    assert_eq!(code, 1, "{text}");
    let failed = text
        .lines()
        .find(|l| l.starts_with("FAILED "))
        .unwrap_or_default();
    assert!(failed.contains("limani::timespan::half_open"), "{text}");
    // The failure links to the cookbook's section on it.
    assert!(
        text.contains("see: docs/python-harbors.md#what-the-reads-return"),
        "{text}"
    );
    assert!(
        text.contains("1 failed") && text.contains("63 deselected"),
        "{text}"
    );

    // A harbor that cannot start is said once, and pytest exits with limani's status.
    let (code, text) = pytest(&["--limani", "python:no_such_module:Harbor"]);
    assert_eq!(code, 3, "{text}");
    assert_eq!(
        text.matches("could not certify (exit 3)").count(),
        1,
        "{text}"
    );

    // -k selects as pytest selects, and the kit runs the selected checks only.
    let (code, text) = pytest(&[
        "--limani",
        "entry-point:good",
        "--limani-config",
        &good,
        "-k",
        "timespan and not nan",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("5 passed, 59 deselected") && text.contains("limani-kit verdict: incomplete"),
        "{text}"
    );
}
