//! What several CLI tests build: a Python harbor project, as a harbor author's repository is.

use std::path::Path;

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
