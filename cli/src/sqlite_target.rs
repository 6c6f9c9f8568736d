//! `sqlite:PATH` never changes a user's logbook behind their back: an existing database is
//! certified on a private copy; `--in-place` certifies the file itself, only if it is a Ch-rima
//! logbook, and removes the kit's own runs afterwards.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// Ch-rima's tables: a database with others is not a logbook to write into.
const CHRIMA_TABLES: [&str; 5] = [
    "runs",
    "hosts",
    "operations",
    "resource_snapshots",
    "command_n_facts_in_order",
];

/// The file the suite opens, and the private folder of a copy (removed when dropped).
pub struct SqliteTarget {
    pub path: PathBuf,
    pub copy: Option<tempfile::TempDir>,
}

/// The file to certify for `sqlite:PATH`: a new or empty file as it is; an existing database
/// as a private copy, or in place when asked (and when it holds only Ch-rima's tables).
pub fn prepare(path: &Path, in_place: bool) -> Result<SqliteTarget, String> {
    let existing = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
    if !existing {
        return Ok(SqliteTarget {
            path: path.to_owned(),
            copy: None,
        });
    }
    let source =
        open_untouched(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if in_place {
        let foreign = foreign_tables(&source).map_err(|e| format!("{}: {e}", path.display()))?;
        if !foreign.is_empty() {
            return Err(format!(
                "{} holds tables Ch-rima does not make ({}): the kit writes into no other schema; leave out --in-place to certify a copy",
                path.display(),
                foreign.join(", ")
            ));
        }
        return Ok(SqliteTarget {
            path: path.to_owned(),
            copy: None,
        });
    }
    let folder = tempfile::Builder::new()
        .prefix("limani-copy-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| format!("cannot make a private folder for a copy: {e}"))?;
    let copy = folder.path().join("logbook.db");
    source
        .execute("VACUUM INTO ?1", [copy.display().to_string()])
        .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
    Ok(SqliteTarget {
        path: copy,
        copy: Some(folder),
    })
}

/// Opens a database to read it without leaving a file behind: with no `-wal` file beside it
/// (nothing but the file to read), as immutable, so SQLite makes no `-shm` or `-wal` of its own.
fn open_untouched(path: &Path) -> rusqlite::Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY);
    }
    let escaped = (path.display().to_string())
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
    Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags)
}

fn foreign_tables(db: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut tables = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let names = tables.query_map([], |row| row.get::<_, String>(0))?;
    let names: rusqlite::Result<Vec<String>> = names.collect();
    Ok(names?
        .into_iter()
        .filter(|n| !CHRIMA_TABLES.contains(&n.as_str()))
        .collect())
}

/// Removes the runs the kit wrote (their ids start with `kit-`) and all of theirs; returns how
/// many runs went.
pub fn remove_kit_runs(path: &Path) -> Result<usize, String> {
    let run = || -> rusqlite::Result<usize> {
        let mut db = Connection::open(path)?;
        let tx = db.transaction()?;
        for table in [
            "command_n_facts_in_order",
            "resource_snapshots",
            "operations",
            "hosts",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE run_id LIKE 'kit-%'"),
                [],
            )?;
        }
        let runs = tx.execute("DELETE FROM runs WHERE id LIKE 'kit-%'", [])?;
        tx.commit()?;
        Ok(runs)
    };
    run().map_err(|e| format!("cannot remove the kit's runs from {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The copy of an existing logbook lives in a folder no other local user can read or write.
    #[test]
    fn the_copy_is_private_and_the_original_is_refused_in_place_when_foreign() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app.db");
        Connection::open(&db)
            .unwrap()
            .execute("CREATE TABLE users (id INTEGER)", [])
            .unwrap();
        let target = prepare(&db, false).unwrap();
        let folder = target.copy.as_ref().unwrap().path();
        let mode = std::fs::metadata(folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        assert!(target.path.starts_with(folder) && target.path.exists());
        assert!(prepare(&db, true).is_err());
    }
}
