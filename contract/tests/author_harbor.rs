//! A harbor crate that depends on `limani-contract` alone builds with serde_json's default
//! features: the contract imposes none on its author.

use std::path::Path;
use std::process::Command;

#[test]
fn a_harbor_on_the_contract_alone_gets_serde_json_with_default_features() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/author-harbor");
    let work = tempfile::tempdir().unwrap();
    // Copied, so that its lock file and build stay out of the source tree.
    for file in ["Cargo.toml", "src/lib.rs"] {
        let to = work.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(crate_dir.join(file)).unwrap();
        let contract = Path::new(env!("CARGO_MANIFEST_DIR")).display().to_string();
        std::fs::write(
            &to,
            text.replace("path = \"../..\"", &format!("path = {contract:?}")),
        )
        .unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| {
        let out = Command::new(&cargo)
            .args(args)
            .current_dir(work.path())
            .env("CARGO_TARGET_DIR", work.path().join("target"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo {args:?} failed:\n{text}");
        text
    };
    let features = run(&["tree", "--offline", "-e", "features", "-i", "serde_json"]);
    for imposed in ["arbitrary_precision", "preserve_order", "float_roundtrip"] {
        assert!(
            !features.contains(imposed),
            "{imposed} reached the author's crate:\n{features}"
        );
    }
    assert!(
        features.contains("serde_json feature \"default\""),
        "{features}"
    );
    run(&["check", "--offline", "--quiet"]);
}
