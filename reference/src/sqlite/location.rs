//! Where a SQLite harbor keeps its Logbook, and how its connections are set up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

/// A file database, or one private in-memory database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Memory,
}

/// SQLite's `synchronous` setting: it decides commit speed and power-loss safety.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synchronous {
    /// Safe against a crash of the process; the last commits may be lost on power loss (Ch-rima's choice).
    Normal,
    /// Safe against power loss; about ten times fewer commits per second.
    Full,
}

impl Synchronous {
    pub fn as_str(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How connections are opened.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    pub synchronous: Synchronous,
    /// How long a connection waits for another process's lock before failing.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(30),
        }
    }
}

/// Ch-rima's file: `$CHAOS_LOGBOOK_DIR` (default `~/.local/share/chaos/logbook`),
/// then a folder named `ch-rima.db`, then the `werehouse` name (default `ch-rima.db`).
pub fn chrima_path(logbook_dir: Option<&Path>, home: &Path, werehouse: &str) -> PathBuf {
    let dir = match logbook_dir {
        Some(dir) => dir.to_path_buf(),
        None => home
            .join(".local")
            .join("share")
            .join("chaos")
            .join("logbook"),
    };
    let file = if werehouse.is_empty() {
        "ch-rima.db"
    } else {
        werehouse
    };
    dir.join("ch-rima.db").join(file)
}

/// Switches to WAL. SQLite answers "database is locked" at once, without waiting, when another
/// connection is opening the same new file at that moment: try again within the busy timeout.
fn wal(conn: &Connection, patience: std::time::Duration) -> rusqlite::Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < patience =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Opens one connection with foreign keys on, WAL for files, and the chosen `synchronous`.
pub fn open(location: &Location, options: &SqliteOptions) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match location {
        Location::File(path) => Connection::open_with_flags(path, flags)?,
        Location::Memory => Connection::open_in_memory()?,
    };
    conn.busy_timeout(options.busy_timeout)?;
    if matches!(location, Location::File(_)) {
        wal(&conn, options.busy_timeout)?;
    }
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
        options.synchronous.as_str()
    ))?;
    // SQLite (built with STAT4) otherwise plans a statement again whenever a bound time changes:
    // a timespan read would be parsed anew on every call.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}
