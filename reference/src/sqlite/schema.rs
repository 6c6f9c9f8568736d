//! Ch-rima's schema, table for table and column for column, plus the
//! `required_secrets` column of Ch-aOS 0.7 (added to older databases on `init_db`).

use rusqlite::Connection;

/// The tables and indexes of Ch-rima, created only if missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    run_id_human TEXT NOT NULL,
    start_time REAL NOT NULL,
    end_time REAL,
    status TEXT NOT NULL CHECK(status IN ('in_progress', 'success', 'failure')),
    summary_json TEXT,
    hailer_json TEXT,
    required_secrets TEXT
);
CREATE TABLE IF NOT EXISTS hosts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    name TEXT NOT NULL,
    summary_json TEXT,
    FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE,
    UNIQUE (run_id, name)
);
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    host_id INTEGER NOT NULL,
    op_hash TEXT,
    name TEXT NOT NULL,
    changed INTEGER NOT NULL,
    success INTEGER NOT NULL,
    duration REAL NOT NULL,
    timestamp REAL NOT NULL,
    logs_json TEXT,
    diff TEXT,
    arguments_json TEXT,
    retry_stats_json TEXT,
    command_n_facts_in_order_json TEXT,
    FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE,
    FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS resource_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    host_id INTEGER NOT NULL,
    stage TEXT,
    timestamp REAL NOT NULL,
    metrics_json TEXT,
    FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE,
    FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS command_n_facts_in_order (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    timestamp REAL NOT NULL,
    log_level TEXT,
    context TEXT,
    command TEXT,
    FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_operations_run_host ON operations (run_id, host_id);
CREATE INDEX IF NOT EXISTS idx_snapshots_run_host ON resource_snapshots (run_id, host_id);
CREATE INDEX IF NOT EXISTS idx_facts_run_timestamp ON command_n_facts_in_order (run_id, timestamp);
";

/// Creates what is missing, in one transaction; a database of an older Ch-aOS gains `required_secrets`.
pub fn create(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let has_secrets: bool = tx.query_row(
        "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'required_secrets'",
        [],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )?;
    if !has_secrets {
        tx.execute_batch("ALTER TABLE runs ADD COLUMN required_secrets TEXT")?;
    }
    tx.commit()
}
