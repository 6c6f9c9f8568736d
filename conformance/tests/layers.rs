//! The modules of `conformance` depend downwards only (docs/architecture.md): the model, then
//! the toolkit, then the checks and the property part, then the runner. No module names one
//! above it, so there is no cycle.

use std::path::Path;

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
    let above: [(&str, &[&str]); 5] = [
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
        ("logbook", &["suite", "checks", "fixtures"]),
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
