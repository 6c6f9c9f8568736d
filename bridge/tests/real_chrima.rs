//! The real Ch-rima of a Ch-aOS checkout, certified as any Python harbor is: run when
//! `CHAOS_SRC` points at a checkout (public source: github Ch-aOS-Ch/Ch-aOS), skipped otherwise.

#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bridge::{ProcessLimani, PythonHarbor};
use conformance::suite::Outcome;
use conformance::Suite;

/// The folder that holds the `chaos` package: the checkout, its `cli/` or its `cli/src/`.
fn package_root(src: &Path) -> Option<PathBuf> {
    [src.join("cli/src"), src.join("src"), src.to_path_buf()]
        .into_iter()
        .find(|p| p.join("chaos/lib/limani/chrima.py").is_file())
}

#[test]
fn the_real_chrima_certifies_and_only_warns() {
    let Some(src) = std::env::var_os("CHAOS_SRC") else {
        eprintln!(
            "SKIPPED the_real_chrima_certifies_and_only_warns: set CHAOS_SRC to a Ch-aOS checkout"
        );
        return;
    };
    let root = package_root(Path::new(&src))
        .unwrap_or_else(|| panic!("no chaos/lib/limani/chrima.py under {src:?}"));
    let dir = tempfile::tempdir().unwrap();
    let config = serde_json::json!({"werehouse": dir.path().join("chrima.db")}).to_string();
    let harbor = PythonHarbor::Class("chaos.lib.limani.chrima:Chrima".to_owned());
    let mut command = bridge::python::command(&harbor, &[root], &config).unwrap();
    // Ch-rima makes its folder under the logbook directory even for an absolute werehouse.
    let logbook_dir = dir.path().join("logbook").display().to_string();
    command
        .env
        .push(("CHAOS_LOGBOOK_DIR".to_owned(), logbook_dir));
    let reopen = command.clone();
    let report = Suite::new(move || ProcessLimani::spawn(&command).unwrap())
        .reopen(move || ProcessLimani::spawn(&reopen).unwrap())
        .crashable()
        .timeout(Duration::from_secs(30))
        .name("the real Ch-rima")
        .run();
    println!("{}", report.to_text());
    assert!(report.passed(), "{}", report.to_text());
    let unexpected: Vec<&str> = (report.results.iter())
        .filter(|r| {
            r.outcome != Outcome::Passed && !common::CHRIMA_WARNINGS.contains(&r.id.as_str())
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        unexpected.is_empty(),
        "{unexpected:?}:\n{}",
        report.to_text()
    );
}
