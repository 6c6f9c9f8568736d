//! The house (docs/architecture.md): no crate of the workspace names one above it; no two
//! files of a crate import each other, directly or round a circle; and the modules of
//! `conformance` depend downwards only: the model, then the toolkit, then the checks and the
//! property part, then the runner.

mod house;

use std::path::{Path, PathBuf};

use house::circles::Crate;
use house::crates;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[test]
fn no_crate_names_one_above_it() {
    let wrong = crates::upward(&crates::manifests(&workspace()));
    assert!(wrong.is_empty(), "crates naming one above them: {wrong:?}");
}

#[test]
fn no_files_of_a_crate_import_each_other_round_a_circle() {
    let mut circles = Vec::new();
    for (_, folder) in crates::LAYERS {
        for circle in Crate::read(&workspace().join(folder).join("src")).circles() {
            let shown: Vec<String> = circle.iter().map(|f| f.display().to_string()).collect();
            circles.push(shown.join(" <-> "));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// Writes a crate's files under a new folder.
fn planted(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The circle finder finds a planted circle, also one through a re-export, and no circle where
/// a re-export only passes a name on.
#[test]
fn planted_circles_are_found_and_a_passed_on_name_is_none() {
    let two = planted(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        ("b.rs", "use crate::{a::A, b::B as _};\npub struct B;\n"),
    ]);
    let found = Crate::read(two.path()).circles();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 2, "{found:?}");
    // The root re-exports a's name and a takes the root's helper: a circle.
    let root = planted(&[
        ("lib.rs", "mod a;\npub use a::A;\npub fn helper() {}\n"),
        ("a.rs", "pub struct A;\nfn f() { crate::helper() }\n"),
    ]);
    assert_eq!(Crate::read(root.path()).circles().len(), 1);
    // a takes B through the root's re-export: the arrow goes to b.rs, and there is no circle.
    let passed = planted(&[
        ("lib.rs", "mod a;\nmod b;\npub use b::B;\n"),
        ("a.rs", "use crate::B;\n"),
        ("b.rs", "pub struct B;\n"),
    ]);
    assert_eq!(
        Crate::read(passed.path()).circles(),
        Vec::<Vec<PathBuf>>::new()
    );
}

/// A planted back-import between crates is named.
#[test]
fn a_planted_back_import_is_found() {
    let manifests = [
        (
            "conformance",
            "[dependencies]\nlimani-contract.workspace = true\n".to_owned(),
        ),
        (
            "reference",
            "[dev-dependencies]\nbridge = { path = \"../bridge\" }\n".to_owned(),
        ),
    ];
    assert_eq!(crates::upward(&manifests), ["reference -> bridge"]);
}

/// The Rust text of every file under `src/<module>`.
fn sources(module: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(module);
    let mut found = Vec::new();
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => folders.push(path),
                false => found.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                )),
            }
        }
    }
    found
}

#[test]
fn no_module_names_one_above_it() {
    // (The formats, `logbook` and `rows`, are the crate `limani-fixtures` below this one: the
    // crates' test holds them down.)
    let above: [(&str, &[&str]); 4] = [
        (
            "model",
            &[
                "toolkit", "checks", "property", "suite", "fixtures", "logbook",
            ],
        ),
        (
            "toolkit",
            &["checks", "property", "suite", "fixtures", "logbook"],
        ),
        ("property", &["checks", "suite"]),
        ("checks", &["suite"]),
    ];
    let mut wrong = Vec::new();
    for (module, higher) in above {
        for (file, text) in sources(module) {
            let code = text.lines().filter(|l| !l.trim_start().starts_with("//"));
            for line in code {
                for up in higher {
                    if line.contains(&format!("crate::{up}")) {
                        wrong.push(format!("{file}: {}", line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "modules naming one above them:\n{}",
        wrong.join("\n")
    );
}
