//! The CI recipes of `ci/github/`, run here as a script: each `run:` step of the workflow, in
//! order, with the job's `env:`, in a harbor repository made for the test. A `uses:` step is
//! what the test provides itself (the checkout, Python, Rust, the upload); any other fails.
//! What GitHub would give (a PostgreSQL service, the kit's wheel) is given by overrides.

mod python_setup;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `uses:` actions the test stands in for.
const PROVIDED: &[&str] = &[
    "actions/checkout",
    "actions/setup-python",
    "dtolnay/rust-toolchain",
    "actions/upload-artifact",
];

/// Runs the one job of a recipe in `work`, its env set by `overrides` and the machine's by
/// `given`; returns the paths its upload steps keep.
fn run_recipe(
    recipe: &str,
    work: &Path,
    path: &str,
    overrides: &[(&str, String)],
    given: &[(&str, String)],
) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(root().join("ci/github").join(recipe)).unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let jobs = yaml["jobs"].as_mapping().expect("a recipe has jobs");
    assert_eq!(jobs.len(), 1, "{recipe}: one job");
    let job = jobs.values().next().unwrap();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in job["env"].as_mapping().into_iter().flatten() {
        env.insert(
            key.as_str().unwrap().to_owned(),
            value.as_str().unwrap().to_owned(),
        );
    }
    for (key, value) in overrides {
        assert!(env.contains_key(*key), "{recipe} has no env {key} to set");
        env.insert((*key).to_owned(), value.clone());
    }
    let temp = work.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let mut kept = Vec::new();
    for step in job["steps"].as_sequence().expect("a job has steps") {
        if let Some(action) = step["uses"].as_str() {
            let known = PROVIDED
                .iter()
                .any(|p| action.starts_with(&format!("{p}@")));
            assert!(known, "{recipe}: the test cannot stand in for {action}");
            if action.starts_with("actions/upload-artifact@") {
                kept.push(work.join(step["with"]["path"].as_str().unwrap()));
            }
            continue;
        }
        let script = step["run"].as_str().expect("a step runs or uses");
        let name = step["name"].as_str().unwrap_or(script);
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(work)
            .env_clear()
            .envs(&env)
            .envs(given.iter().map(|(k, v)| (*k, v)))
            .env("PATH", path)
            .env("HOME", work)
            .env("LANG", "C.UTF-8")
            .env("RUNNER_TEMP", &temp)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{recipe}: step {name:?} failed:\n{said}"
        );
    }
    kept
}

/// A venv standing in for actions/setup-python: its `python` first on PATH, then the system's.
fn python_path(dir: &Path) -> String {
    let venv = dir.join("venv");
    let made = Command::new(bridge::python::interpreter())
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    format!("{}:/usr/bin:/bin", venv.join("bin").display())
}

/// The reports the recipe kept: a JUnit file of 64 checks with no failure, and a certificate
/// with `verdict`.
fn kept_reports(kept: &[PathBuf], verdict: &str) -> String {
    let report = &kept[0];
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap();
    let certificate = std::fs::read_to_string(report.join("certificate.md")).unwrap();
    let clean = junit.contains("tests=\"64\"") && junit.contains("failures=\"0\"");
    assert!(clean, "{junit}");
    assert!(
        certificate.contains(&format!("**{verdict}**")),
        "{certificate}"
    );
    certificate
}

#[test]
fn the_python_harbor_recipe_certifies_a_python_harbor() {
    let wheel = python_setup::kit_wheel().unwrap_or_else(|why| panic!("{why}"));
    let wheel = wheel.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repo");
    python_setup::python_harbor_project(&work, "my-harbor");
    let path = python_path(dir.path());
    let kept = run_recipe(
        "python-harbor.yml",
        &work,
        &path,
        &[("LIMANI_KIT", wheel)],
        &[],
    );
    kept_reports(&kept, "certified");
}

#[test]
fn the_postgres_harbor_recipe_certifies_against_a_real_server() {
    let wheel = python_setup::kit_wheel().unwrap_or_else(|why| panic!("{why}"));
    let wheel = wheel.display().to_string();
    let server = match reference::PgServer::local() {
        Ok(server) => server,
        Err(why) => return reference::unavailable("postgres", &why),
    };
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repo");
    python_setup::python_harbor_project(&work, "my-harbor");
    let path = python_path(dir.path());
    // The service's URL is the kit's own server; the harbor, the kit's PostgreSQL reference.
    let url = server.url().to_owned();
    let overrides = [
        ("LIMANI_KIT", wheel),
        ("HARBOR", url.clone()),
        ("DATABASE_URL", url.clone()),
    ];
    let password = url.split(['@', ':']).nth(2).unwrap_or_default().to_owned();
    let kept = run_recipe("postgres-harbor.yml", &work, &path, &overrides, &[]);
    // The reference harbor in this process cannot be crashed: its crash checks are skipped.
    let certificate = kept_reports(&kept, "incomplete");
    assert!(
        !certificate.contains(&password),
        "the password is in:\n{certificate}"
    );
    server.teardown();
}

#[test]
fn the_rust_harbor_recipe_runs_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repo");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::create_dir_all(work.join("tests")).unwrap();
    let kit = root().canonicalize().unwrap();
    let manifest = format!(
        "[package]\nname = \"my-harbor\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nlimani-contract = {{ path = {:?} }}\n\n\
         [dev-dependencies]\nconformance = {{ path = {:?} }}\n\n\
         [[test]]\nname = \"conformance\"\nharness = false\n",
        kit.join("contract").display().to_string(),
        kit.join("conformance").display().to_string(),
    );
    std::fs::write(work.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        work.join("src/lib.rs"),
        "pub use limani_contract::Limani;\n",
    )
    .unwrap();
    std::fs::write(
        work.join("tests/conformance.rs"),
        "fn main() -> std::process::ExitCode {\n    conformance::harness(conformance::MemoryLimani::new)\n}\n",
    )
    .unwrap();
    // The kit's own lock, fitted to this crate offline, so that `--locked` holds.
    std::fs::copy(kit.join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    let fitted = Command::new(&cargo)
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        fitted.status.success(),
        "{}",
        String::from_utf8_lossy(&fitted.stderr)
    );
    // The toolchain's own cargo and rustc (no rustup proxy), and the machine's crate cache.
    let cargo_dir = cargo.parent().unwrap_or(Path::new("/usr/bin"));
    let path = format!("{}:/usr/bin:/bin", cargo_dir.display());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"));
    // Built where later runs find it again (the kit's target folder), not in the source tree.
    let target = kit.join("target/recipes").display().to_string();
    let given = [("CARGO_HOME", cargo_home), ("CARGO_TARGET_DIR", target)];
    run_recipe("rust-harbor.yml", &work, &path, &[], &given);
}
