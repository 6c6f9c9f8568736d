//! What the bridge's tests run inline: a Python script with the kit's package importable, and
//! a harbor from a module's source, forked as `limani certify` starts one.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use bridge::{Launcher, ProcessLimani, PythonHarbor};

/// What `script` printed, run by the kit's Python with its package importable, `env` set and
/// `input` on its stdin.
pub fn python(script: &str, env: &[(&str, &str)], input: &str) -> String {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut python = Command::new(bridge::python::interpreter())
        .args(["-c", script])
        .env("PYTHONPATH", package)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = python.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let out = python.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The harbor `module:class` of `source`, forked (lanes on sockets of their own) with `env`;
/// the folder holding its module lives as long as the harbor is used.
pub fn harbor(
    source: &str,
    class: &str,
    env: &[(&str, &str)],
) -> (tempfile::TempDir, ProcessLimani) {
    let dir = tempfile::tempdir().unwrap();
    let (module, _) = class.split_once(':').unwrap();
    std::fs::write(dir.path().join(format!("{module}.py")), source).unwrap();
    let harbor = PythonHarbor::Class(class.to_owned());
    let mut command = bridge::python::command(&harbor, &[dir.path()], "{}").unwrap();
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    command.env.extend(env);
    let harbor = Launcher::new(&command).spawn().unwrap();
    (dir, harbor)
}
