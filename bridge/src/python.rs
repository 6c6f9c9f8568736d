//! Python harbors: the `limani_bridge` package, embedded so the kit needs no install step,
//! and the command that serves a harbor class with it.

use std::path::{Path, PathBuf};

use crate::process::HarborCommand;

const PACKAGE: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../python/limani_bridge/__init__.py"),
    ),
    (
        "__main__.py",
        include_str!("../python/limani_bridge/__main__.py"),
    ),
    (
        "harbor.py",
        include_str!("../python/limani_bridge/harbor.py"),
    ),
    (
        "server.py",
        include_str!("../python/limani_bridge/server.py"),
    ),
    (
        "values.py",
        include_str!("../python/limani_bridge/values.py"),
    ),
];

/// Which Python harbor to serve.
#[derive(Clone, Debug)]
pub enum PythonHarbor {
    /// `module:Class`.
    Class(String),
    /// A name in the entry-point group `chaos.limanis`.
    EntryPoint(String),
}

/// The Python interpreter: `$LIMANI_PYTHON`, else `python3`.
pub fn interpreter() -> String {
    std::env::var("LIMANI_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Writes the embedded package once into a folder named by its content; returns the folder for `PYTHONPATH`.
pub fn package_dir() -> std::io::Result<PathBuf> {
    let hash = PACKAGE
        .iter()
        .flat_map(|(n, t)| n.bytes().chain(t.bytes()))
        .fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        });
    let root = std::env::temp_dir().join(format!("limani-bridge-{hash:016x}"));
    let package = root.join("limani_bridge");
    std::fs::create_dir_all(&package)?;
    for (name, text) in PACKAGE {
        let path = package.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let partial = package.join(format!(".{name}.{}.{n}", std::process::id()));
            std::fs::write(&partial, text)?;
            std::fs::rename(&partial, &path)?;
        }
    }
    Ok(root)
}

/// The command that serves a Python harbor built as `Class(config)`.
pub fn command(
    harbor: &PythonHarbor,
    python_path: &[impl AsRef<Path>],
    config: &str,
) -> std::io::Result<HarborCommand> {
    let mut args = vec!["-m".to_owned(), "limani_bridge".to_owned()];
    match harbor {
        PythonHarbor::Class(plugin) => args.extend(["--plugin".to_owned(), plugin.clone()]),
        PythonHarbor::EntryPoint(name) => args.extend(["--entry-point".to_owned(), name.clone()]),
    }
    for dir in python_path {
        let dir = std::path::absolute(dir.as_ref())?;
        args.extend(["--python-path".to_owned(), dir.display().to_string()]);
    }
    args.extend(["--config".to_owned(), config.to_owned()]);
    let mut command = HarborCommand::new(interpreter(), args);
    let mut path = package_dir()?.display().to_string();
    if let Ok(existing) = std::env::var("PYTHONPATH") {
        path = format!("{path}:{existing}");
    }
    command.env = vec![
        ("PYTHONPATH".to_owned(), path),
        ("PYTHONUTF8".to_owned(), "1".to_owned()),
        ("PYTHONUNBUFFERED".to_owned(), "1".to_owned()),
    ];
    Ok(command)
}
