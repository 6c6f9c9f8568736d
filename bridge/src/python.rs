//! Python harbors: the `limani_bridge` package, embedded so the kit needs no install step,
//! and the command that serves a harbor class with it.

use std::path::Path;

use crate::process::HarborCommand;

/// The package's folder, embedded whole (`build.rs` rebuilds the crate when it changes).
static PACKAGE: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/python/limani_bridge");

/// Which Python harbor to serve.
#[derive(Clone, Debug)]
pub enum PythonHarbor {
    /// `module:Class`.
    Class(String),
    /// A name in the entry-point group `chaos.limanis`.
    EntryPoint(String),
}

/// The Python interpreter: `$LIMANI_PYTHON`, else `python3`, resolved once to the executable
/// it runs (`sys.executable`): a version manager's shim costs a tenth of a second per harbor.
pub fn interpreter() -> String {
    static RESOLVED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RESOLVED
        .get_or_init(|| {
            let named = std::env::var("LIMANI_PYTHON").unwrap_or_else(|_| "python3".to_owned());
            let asked = std::process::Command::new(&named)
                .args(["-c", "import sys; print(sys.executable)"])
                .output();
            let executable = asked
                .ok()
                .filter(|out| out.status.success())
                .and_then(|out| String::from_utf8(out.stdout).ok())
                .map(|text| text.trim().to_owned())
                .filter(|path| !path.is_empty());
            executable.unwrap_or(named)
        })
        .clone()
}

/// Loads the embedded package from `LIMANI_BRIDGE_SOURCES` (no file is written: nothing another
/// local user could plant or swap), then serves the harbor. It comes first on `sys.meta_path`,
/// so an installed `limani_bridge` of another version never shadows the kit's own.
const BOOTSTRAP: &str = r#"
import importlib.abc, importlib.util, json, os, sys
SOURCES = json.loads(os.environ.pop("LIMANI_BRIDGE_SOURCES"))
class Embedded(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def key(self, name):
        if name == "limani_bridge":
            return "__init__"
        if name.startswith("limani_bridge.") and name[14:] + ".py" in SOURCES:
            return name[14:]
    def find_spec(self, name, path=None, target=None):
        key = self.key(name)
        if key is not None:
            return importlib.util.spec_from_loader(name, self, is_package=key == "__init__")
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        key = self.key(module.__name__)
        exec(compile(SOURCES[key + ".py"], "limani_bridge/%s.py" % key, "exec"), module.__dict__)
sys.meta_path.insert(0, Embedded())
from limani_bridge.__main__ import main
sys.exit(main(sys.argv[1:]))
"#;

/// The embedded package as JSON: file name to source (made once).
fn sources() -> &'static str {
    static SOURCES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCES.get_or_init(|| {
        let modules = PACKAGE.files().filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let text = file.contents_utf8()?;
            name.ends_with(".py")
                .then(|| (name.to_owned(), text.into()))
        });
        let files: serde_json::Map<String, serde_json::Value> = modules.collect();
        serde_json::Value::Object(files).to_string()
    })
}

/// The command that serves a Python harbor built as `Class(config)`.
pub fn command(
    harbor: &PythonHarbor,
    python_path: &[impl AsRef<Path>],
    config: &str,
) -> std::io::Result<HarborCommand> {
    let mut args = Vec::new();
    match harbor {
        PythonHarbor::Class(plugin) => args.extend(["--plugin".to_owned(), plugin.clone()]),
        PythonHarbor::EntryPoint(name) => args.extend(["--entry-point".to_owned(), name.clone()]),
    }
    for dir in python_path {
        let dir = std::path::absolute(dir.as_ref())?;
        args.extend(["--python-path".to_owned(), dir.display().to_string()]);
    }
    let label = format!("{} -m limani_bridge {}", interpreter(), args.join(" "));
    let bootstrap = ["-c".to_owned(), BOOTSTRAP.to_owned()];
    let mut command = HarborCommand::new(interpreter(), bootstrap.into_iter().chain(args));
    command.label = Some(label);
    command.fork_server = Some("--fork-server".to_owned());
    // The config may hold a password: it goes by the environment, never on a command line.
    command.env = vec![
        ("LIMANI_BRIDGE_SOURCES".to_owned(), sources().to_owned()),
        ("LIMANI_BRIDGE_CONFIG".to_owned(), config.to_owned()),
        ("PYTHONUTF8".to_owned(), "1".to_owned()),
        ("PYTHONUNBUFFERED".to_owned(), "1".to_owned()),
    ];
    Ok(command)
}

#[cfg(test)]
mod tests {
    /// Every module of the package folder is embedded, and nothing else.
    #[test]
    fn the_whole_package_is_embedded() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/python/limani_bridge");
        let mut on_disk: Vec<String> = (std::fs::read_dir(folder).unwrap())
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".py"))
            .collect();
        on_disk.sort();
        let sources: serde_json::Value = serde_json::from_str(super::sources()).unwrap();
        let mut embedded: Vec<String> = sources.as_object().unwrap().keys().cloned().collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
        assert!(embedded.contains(&"recorder.py".to_owned()), "{embedded:?}");
    }
}
