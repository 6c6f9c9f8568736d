//! Python with the kit's `limani_bridge` package from this checkout and this build's `limani`.

use std::path::Path;
use std::process::Command;

pub const LIMANI: &str = env!("CARGO_BIN_EXE_limani");

/// The Python interpreter, importing `limani_bridge` from `bridge/python`, serving with this
/// build's `limani`; the Ch-aOS folders of the caller's environment left out.
pub fn python_command() -> Command {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/python");
    let mut command = Command::new(bridge::python::interpreter());
    command
        .env("PYTHONPATH", package)
        .env("LIMANI_BIN", LIMANI)
        .env("PYTHONUNBUFFERED", "1")
        .env_remove("CHAOS_LOGBOOK_DIR");
    command
}

/// Runs `code` with `env` set; its stdout and stderr. Panics, with them, when it fails.
pub fn run_python(code: &str, env: &[(&str, &str)]) -> String {
    let out = python_command()
        .arg("-c")
        .arg(code)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the Python side failed:\n{text}");
    text
}
