//! The crates' layers, read from their `Cargo.toml`: no crate names one above it.

use std::path::Path;

/// The workspace's crates, lowest first, with their folders.
pub const LAYERS: [(&str, &str); 6] = [
    ("limani-contract", "contract"),
    ("limani-fixtures", "fixtures"),
    ("conformance", "conformance"),
    ("reference", "reference"),
    ("bridge", "bridge"),
    ("limani", "cli"),
];

/// The workspace crates a manifest names in its dependency tables (normal, dev, build).
pub fn named_crates(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.ends_with("dependencies]");
            continue;
        }
        if !in_dependencies || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
        if LAYERS.iter().any(|(crate_name, _)| *crate_name == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// `crate -> dependency` for each dependency above its crate.
pub fn upward(manifests: &[(&str, String)]) -> Vec<String> {
    let rank = |name: &str| LAYERS.iter().position(|(n, _)| *n == name);
    let mut wrong = Vec::new();
    for (name, manifest) in manifests {
        for dependency in named_crates(manifest) {
            if rank(&dependency) > rank(name) {
                wrong.push(format!("{name} -> {dependency}"));
            }
        }
    }
    wrong
}

/// Every crate's manifest, read from the workspace.
pub fn manifests(workspace: &Path) -> Vec<(&'static str, String)> {
    LAYERS
        .iter()
        .map(|(name, folder)| {
            let path = workspace.join(folder).join("Cargo.toml");
            (*name, std::fs::read_to_string(path).unwrap())
        })
        .collect()
}
