//! The real Ch-rima of a Ch-aOS checkout, certified as any Python harbor is. Ignored by default:
//! `CHAOS_SRC=/path/to/Ch-aOS cargo test -p bridge --test real_chrima -- --ignored`.

#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bridge::PythonHarbor;
use conformance::suite::Outcome;
use conformance::Suite;

/// The folder that holds the `chaos` package: the checkout, its `cli/` or its `cli/src/`.
fn package_root(src: &Path) -> Option<PathBuf> {
    [src.join("cli/src"), src.join("src"), src.to_path_buf()]
        .into_iter()
        .find(|p| p.join("chaos/lib/limani/chrima.py").is_file())
}

#[test]
#[ignore = "needs CHAOS_SRC, a Ch-aOS checkout: CHAOS_SRC=... cargo test -p bridge --test real_chrima -- --ignored"]
fn the_real_chrima_certifies_and_only_warns() {
    let src = std::env::var_os("CHAOS_SRC")
        .expect("set CHAOS_SRC to a Ch-aOS checkout (public source: github Ch-aOS-Ch/Ch-aOS)");
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
    let open = std::sync::Arc::new(bridge::Launcher::new(&command));
    let reopen = open.clone();
    let report = Suite::new(move || open.spawn().unwrap())
        .reopen(move || reopen.spawn().unwrap())
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
