//! What several CLI tests set up on the Python side: a harbor project, as a harbor author's
//! repository is, and the kit's wheel.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A Python harbor project in `folder`: the kit's correct SQLite harbor (`good_sqlite.py`),
/// registered in `chaos.limanis` under `entry_point`, installable with pip.
pub fn python_harbor_project(folder: &Path, entry_point: &str) {
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors");
    std::fs::create_dir_all(folder).unwrap();
    std::fs::copy(
        harbors.join("good_sqlite.py"),
        folder.join("good_sqlite.py"),
    )
    .unwrap();
    let pyproject = format!(
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"{entry_point}-harbor\"\nversion = \"0.1.0\"\n\n\
         [project.entry-points.\"chaos.limanis\"]\n{entry_point} = \"good_sqlite:GoodSqlite\"\n\n\
         [tool.setuptools]\npy-modules = [\"good_sqlite\"]\n"
    );
    std::fs::write(folder.join("pyproject.toml"), pyproject).unwrap();
}

/// The kit's wheel as `pip install ./bridge/python` builds it (`ci/build-wheel.sh --dev`, into
/// target/wheels), or `$LIMANI_WHEEL`: built here, once for all test binaries, when there is
/// none or it is older than this build of `limani` or the Python package.
pub fn kit_wheel() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("LIMANI_WHEEL") {
        return Ok(PathBuf::from(path));
    }
    reference::prepare::locked("wheel", || {
        if let Some(wheel) = built_wheel().filter(|w| is_fresh(w)) {
            return Ok(wheel);
        }
        eprintln!("limani-kit tests: building the limani-bridge wheel (ci/build-wheel.sh --dev)");
        // ci/build-wheel.sh makes its venv with python3.
        let python = "python3";
        let venv = Command::new(python)
            .args(["-c", "import venv, ensurepip"])
            .output();
        if !venv.is_ok_and(|o| o.status.success()) {
            return Err(format!(
                "{} has no venv or pip (`python3 -m venv` fails): install them (Debian: `apt-get install python3-venv python3-pip`)",
                python
            ));
        }
        let status = Command::new("bash")
            .arg(root().join("ci/build-wheel.sh"))
            .arg("--dev")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .map_err(|e| format!("bash ci/build-wheel.sh: {e}"))?;
        match (status.success(), built_wheel()) {
            (true, Some(wheel)) => Ok(wheel),
            _ => Err(format!(
                "ci/build-wheel.sh --dev failed ({status}): its output above says why"
            )),
        }
    })
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The newest `target/wheels/limani_bridge-*.whl`.
fn built_wheel() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("target/wheels"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("limani_bridge-") && name.ends_with(".whl")
        })
        .collect();
    found.sort();
    found.pop()
}

/// Newer than every file it is built from: the crates' sources and manifests, the lock file,
/// the Python package. (Not than the `limani` binary: the wheel's own build relinks it.)
fn is_fresh(wheel: &Path) -> bool {
    let Some(built) = modified(wheel) else {
        return false;
    };
    let mut sources = vec![root().join("Cargo.lock"), root().join("Cargo.toml")];
    for krate in [
        "contract",
        "fixtures",
        "conformance",
        "reference",
        "bridge",
        "cli",
    ] {
        sources.push(root().join(krate).join("Cargo.toml"));
        sources.push(root().join(krate).join("src"));
    }
    sources.push(root().join("bridge/python"));
    sources.push(root().join("fixtures/recorded"));
    sources.push(root().join("fixtures/written"));
    newest(&sources).is_some_and(|newest| newest <= built)
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of the files under `paths`.
fn newest(paths: &[PathBuf]) -> Option<std::time::SystemTime> {
    let mut newest = None;
    let mut stack = paths.to_vec();
    while let Some(path) = stack.pop() {
        match std::fs::read_dir(&path) {
            Ok(entries) => stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path()))),
            Err(_) => newest = newest.max(modified(&path)),
        }
    }
    newest
}
