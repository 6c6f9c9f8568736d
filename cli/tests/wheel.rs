//! The wheel a Python harbor author installs: what `pip install ./bridge/python` builds
//! (`ci/build-wheel.sh` runs `pip wheel` on the sources, PEP 517, maturin from PyPI). In a fresh
//! venv, with no Rust toolchain on PATH, it gives `limani` and the pytest plugin, which certify
//! the kit's correct Python harbor and fail a broken one with the check named.

#[allow(dead_code)]
mod python_setup;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

/// A command of the venv, with the venv and the system's own folders on PATH only: no cargo.
fn in_venv(venv: &Path, program: &str, work: &Path) -> Command {
    let mut cmd = Command::new(venv.join("bin").join(program));
    cmd.current_dir(work)
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", venv.join("bin").display()),
        )
        .env("HOME", work)
        .env("LANG", "C.UTF-8");
    cmd
}

#[test]
fn the_wheel_certifies_a_python_harbor_with_no_rust_toolchain() {
    let wheel = python_setup::kit_wheel().unwrap_or_else(|why| panic!("{why}"));
    let dir = tempfile::tempdir().unwrap();
    let (venv, work) = (dir.path().join("venv"), dir.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    let python = bridge::python::interpreter();
    let (code, text) = run(Command::new(python).args(["-m", "venv"]).arg(&venv));
    assert_eq!(code, 0, "{text}");
    let install = in_venv(&venv, "pip", &work)
        .args(["install", "-q", "--disable-pip-version-check"])
        .arg(&wheel)
        .arg("pytest")
        .output()
        .unwrap();
    assert!(install.status.success(), "{install:?}");

    // The venv's limani is this checkout's: the same checks, the same Python package.
    let (code, cargo) =
        run(in_venv(&venv, "python", &work)
            .args(["-c", "import shutil; print(shutil.which('cargo'))"]));
    assert!(
        code == 0 && cargo.trim() == "None",
        "cargo is on the venv's PATH: {cargo}"
    );
    let (_, listed) = run(in_venv(&venv, "limani", &work).args(["checks", "--json"]));
    let (_, ours) = run(Command::new(env!("CARGO_BIN_EXE_limani")).args(["checks", "--json"]));
    assert_eq!(
        listed, ours,
        "the wheel is older than this checkout: rebuild it with `bash ci/build-wheel.sh --dev`"
    );
    let site = venv.join("lib");
    let plugin = walk(&site)
        .into_iter()
        .find(|p| p.ends_with("limani_bridge/pytest_plugin.py"))
        .expect("the wheel installs limani_bridge");
    let source = root().join("bridge/python/limani_bridge/pytest_plugin.py");
    assert_eq!(
        std::fs::read_to_string(plugin).unwrap(),
        std::fs::read_to_string(source).unwrap(),
        "the wheel is older than bridge/python: rebuild it with `bash ci/build-wheel.sh --dev`"
    );

    let harbors = root().join("bridge/harbors");
    let config = |name: &str| serde_json::json!({"werehouse": dir.path().join(name)}).to_string();
    let pytest = |class: &str, db: &str, extra: &[&str]| {
        run(in_venv(&venv, "pytest", &work)
            .args(["-p", "no:cacheprovider", "-q", "-rfE", "--limani"])
            .arg(format!("python:{class}"))
            // With `=`: a folder given as an argument of its own would move pytest's rootdir.
            .arg(format!("--limani-python-path={}", harbors.display()))
            .args(["--limani-config", &config(db)])
            .args(extra))
    };
    let (code, text) = pytest("good_sqlite:GoodSqlite", "good.db", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("64 passed") && text.contains("limani-kit verdict: certified"),
        "{text}"
    );
    let (code, text) = pytest("broken:ClosedTimespanEnd", "broken.db", &["-k", "timespan"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAILED limani::timespan::half_open"),
        "{text}"
    );
}

fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => found.extend(walk(&path)),
            false => found.push(path),
        }
    }
    found
}
