//! What several CLI tests set up on the Python side: a harbor project, as a harbor author's
//! repository is, and the kit's wheel.

use std::path::{Path, PathBuf};

/// A Python harbor project in `folder`: the kit's correct SQLite harbor (`good_sqlite.py`),
/// registered in `chaos.limanis` under `entry_point`, installable with pip.
pub fn python_harbor_project(folder: &Path, entry_point: &str) {
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bridge/harbors");
    std::fs::create_dir_all(folder).unwrap();
    std::fs::copy(
        harbors.join("good_sqlite.py"),
        folder.join("good_sqlite.py"),
    )
    .unwrap();
    let pyproject = format!(
        "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n\
         [project]\nname = \"{entry_point}-harbor\"\nversion = \"0.1.0\"\n\n\
         [project.entry-points.\"chaos.limanis\"]\n{entry_point} = \"good_sqlite:GoodSqlite\"\n\n\
         [tool.setuptools]\npy-modules = [\"good_sqlite\"]\n"
    );
    std::fs::write(folder.join("pyproject.toml"), pyproject).unwrap();
}

/// The wheel ci/setup.sh built (`ci/build-wheel.sh --dev`, into target/wheels), or
/// `$LIMANI_WHEEL`; `None` when there is none.
pub fn kit_wheel() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LIMANI_WHEEL") {
        return Some(PathBuf::from(path));
    }
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wheels");
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("limani_bridge-") && name.ends_with(".whl")
        })
        .collect();
    found.sort();
    found.pop()
}
