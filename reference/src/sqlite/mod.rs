//! `SqliteLimani`: the reference harbor on SQLite, Ch-rima's schema, correct where Ch-rima is not.
//! One writer connection, a pool of readers (WAL), every write committed before the call returns;
//! a read takes the writer connection when no write holds it (its cache is warm).

mod location;
mod read;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::unknown::unknown_if_none;
use conformance::model::rules;
use conformance::records::secrets_to_json;
use conformance::Json;
use conformance::{
    FactLog, HostId, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, RunStatus, SummaryStats,
};
use rusqlite::{ffi, params, Connection, ErrorCode, OptionalExtension};

pub use location::{chrima_path, Location, SqliteOptions, Synchronous};
pub use schema::SCHEMA;

/// How many idle read connections a file harbor keeps.
const IDLE_READERS: usize = 8;

/// The reference SQLite harbor.
pub struct SqliteLimani {
    location: Location,
    options: SqliteOptions,
    writer: Mutex<Option<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteLimani {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteLimani")
            .field("location", &self.location)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SqliteLimani {
    /// A harbor on the database file at `path` (created on first use).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::with_options(
            Location::File(path.as_ref().to_path_buf()),
            SqliteOptions::default(),
        )
    }

    /// A harbor on a private in-memory database: it lives as long as the harbor.
    pub fn open_in_memory() -> Result<Self> {
        Self::with_options(Location::Memory, SqliteOptions::default())
    }

    /// A harbor on the file Ch-rima would use for this `werehouse` config value.
    pub fn open_chrima(werehouse: &str) -> Result<Self> {
        let logbook_dir = std::env::var_os("CHAOS_LOGBOOK_DIR").map(PathBuf::from);
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let path = chrima_path(logbook_dir.as_deref(), &home, werehouse);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| LimaniError::storage("open", e))?;
        }
        Self::open(path)
    }

    /// A harbor at `location` with these connection options; the first connection opens now.
    pub fn with_options(location: Location, options: SqliteOptions) -> Result<Self> {
        let writer =
            location::open(&location, &options).map_err(|e| LimaniError::storage("open", e))?;
        Ok(SqliteLimani {
            location,
            options,
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Where this harbor keeps its Logbook.
    pub fn location(&self) -> &Location {
        &self.location
    }

    fn writer(&self, call: &str) -> Result<MutexGuard<'_, Option<Connection>>> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.connection(call)?);
        }
        Ok(guard)
    }

    fn connection(&self, call: &str) -> Result<Connection> {
        location::open(&self.location, &self.options).map_err(|e| LimaniError::storage(call, e))
    }

    /// Runs `f` on the writer connection: one writer at a time, in this process.
    fn write<T>(&self, call: &str, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut guard = self.writer(call)?;
        f(guard.as_mut().expect("writer connection opened above"))
    }

    /// Runs `f` on the writer connection if it is free, else on a read connection; in memory,
    /// readers share the writer's connection.
    fn read<T>(&self, call: &str, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        if self.location == Location::Memory {
            return self.write(call, f);
        }
        // A reader's page cache is dropped after each write of another connection; the writer's
        // is not, so a read between writes is quicker there.
        if let Ok(mut writer) = self.writer.try_lock() {
            if let Some(conn) = writer.as_mut() {
                return f(conn);
            }
        }
        let idle = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => self.connection(call)?,
        };
        let result = f(&mut conn);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// The status of `run_id`, read on the writer connection (after a write that changed nothing).
    fn run_exists(conn: &Connection, call: &str, run_id: &str) -> Result<bool> {
        conn.prepare_cached("SELECT 1 FROM runs WHERE id = ?1")
            .and_then(|mut s| s.exists([run_id]))
            .map_err(|e| LimaniError::storage(call, e))
    }

    /// Why a row for a host of a run was not written: the run is unknown, or the host is not its own.
    fn missing_host(conn: &Connection, call: &str, run_id: &str, host_id: HostId) -> LimaniError {
        match Self::run_exists(conn, call, run_id) {
            Ok(true) => LimaniError::UnknownHost {
                run_id: run_id.to_owned(),
                host_id,
            },
            Ok(false) => LimaniError::UnknownRun {
                run_id: run_id.to_owned(),
            },
            Err(e) => e,
        }
    }
}

/// Maps a failed statement: a broken foreign key means an unknown run; the rest is storage.
fn sql_error(call: &str, run_id: &str, e: rusqlite::Error) -> LimaniError {
    match e.sqlite_error() {
        Some(f) if f.extended_code == ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            LimaniError::UnknownRun {
                run_id: run_id.to_owned(),
            }
        }
        Some(f) if f.code == ErrorCode::Unknown && e.to_string().contains("no such table") => {
            LimaniError::storage_message(call, format!("{e}: call init_db first"))
        }
        _ => LimaniError::storage(call, e),
    }
}

impl Limani for SqliteLimani {
    fn connect(&self) -> Result<()> {
        self.writer("connect").map(drop)
    }

    /// Closes every connection of a file harbor; the next call opens them again.
    /// In memory the one connection is the database, so it stays open.
    fn disconnect(&self) -> Result<()> {
        if self.location == Location::Memory {
            return Ok(());
        }
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        if let Some(conn) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            conn.close()
                .map_err(|(_, e)| LimaniError::storage("disconnect", e))?;
        }
        Ok(())
    }

    /// Ch-rima's schema answers the Logbook's `SELECT status FROM runs WHERE id = ?` as it is.
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        Some(self.read("status_through_connect", |conn| {
            conn.prepare_cached("SELECT status FROM runs WHERE id = ?")
                .and_then(|mut s| s.query_row([run_id], |r| r.get(0)).optional())
                .map_err(|e| LimaniError::storage("status_through_connect", e))
        }))
    }

    fn init_db(&self) -> Result<()> {
        self.write("init_db", |conn| {
            schema::create(conn).map_err(|e| LimaniError::storage("init_db", e))
        })
    }

    fn create_run(&self, run: &NewRun) -> Result<String> {
        rules::finite("start_time", run.start_time)?;
        let secrets = run
            .required_secrets
            .as_ref()
            .map(|s| secrets_to_json(s).into_string());
        self.write("create_run", |conn| {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO runs (id, run_id_human, start_time, status, hailer_json, required_secrets)
                     VALUES (?1, ?2, ?3, 'in_progress', ?4, ?5) ON CONFLICT (id) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        run.run_id,
                        run.run_id_human,
                        run.start_time,
                        run.hailer_info.to_string(),
                        secrets
                    ])
                })
                .map_err(|e| sql_error("create_run", &run.run_id, e))?;
            match inserted {
                1 => Ok(run.run_id.clone()),
                _ => Err(LimaniError::DuplicateRun {
                    run_id: run.run_id.clone(),
                }),
            }
        })
    }

    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let status = RunStatus::parse(status)?;
        self.write("start_update_run", |conn| {
            let updated = conn
                .prepare_cached("UPDATE runs SET status = ?1 WHERE id = ?2")
                .and_then(|mut s| s.execute(params![status.as_str(), run_id]))
                .map_err(|e| sql_error("start_update_run", run_id, e))?;
            unknown_if_none(updated as u64, run_id)
        })
    }

    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        let status = RunStatus::parse(status)?;
        rules::finite("end_time", end_time)?;
        self.write("end_run_update", |conn| {
            let updated = conn
                .prepare_cached(
                    "UPDATE runs SET end_time = ?1, status = ?2, summary_json = ?3 WHERE id = ?4",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        end_time,
                        status.as_str(),
                        summary.to_string(),
                        run_id
                    ])
                })
                .map_err(|e| sql_error("end_run_update", run_id, e))?;
            unknown_if_none(updated as u64, run_id)
        })
    }

    /// Race-free: a lookup, then `INSERT .. ON CONFLICT DO NOTHING` and a lookup under the writer lock.
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        const CALL: &str = "get_or_create_host";
        if let Some(id) = self.read(CALL, |conn| read::host_id(conn, CALL, run_id, host_name))? {
            return Ok(id);
        }
        self.write(CALL, |conn| {
            conn.prepare_cached(
                "INSERT INTO hosts (run_id, name) VALUES (?1, ?2) ON CONFLICT (run_id, name) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![run_id, host_name]))
            .map_err(|e| sql_error(CALL, run_id, e))?;
            read::host_id(conn, CALL, run_id, host_name)?
                .ok_or_else(|| LimaniError::storage_message(CALL, "the host row vanished after its insert"))
        })
    }

    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        const CALL: &str = "insert_operation";
        rules::finite("duration", op.duration)?;
        rules::finite("timestamp", op.timestamp)?;
        let json = [
            &op.logs,
            &op.arguments,
            &op.retry_stats,
            &op.command_n_facts,
        ]
        .map(Json::as_str);
        self.write(CALL, |conn| {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration,
                         timestamp, logs_json, diff, arguments_json, retry_stats_json, command_n_facts_in_order_json)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
                     WHERE EXISTS (SELECT 1 FROM hosts WHERE id = ?2 AND run_id = ?1)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        op.run_id, op.host_id, op.op_hash, op.name, op.changed, op.success,
                        op.duration, op.timestamp, json[0], op.diff, json[1], json[2], json[3]
                    ])
                })
                .map_err(|e| sql_error(CALL, &op.run_id, e))?;
            match inserted {
                1 => Ok(()),
                _ => Err(Self::missing_host(conn, CALL, &op.run_id, op.host_id)),
            }
        })
    }

    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        const CALL: &str = "insert_snapshot";
        rules::finite("timestamp", snapshot.timestamp)?;
        self.write(CALL, |conn| {
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO resource_snapshots (run_id, host_id, stage, timestamp, metrics_json)
                     SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM hosts WHERE id = ?2 AND run_id = ?1)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        snapshot.run_id,
                        snapshot.host_id,
                        snapshot.stage,
                        snapshot.timestamp,
                        snapshot.metrics.to_string()
                    ])
                })
                .map_err(|e| sql_error(CALL, &snapshot.run_id, e))?;
            match inserted {
                1 => Ok(()),
                _ => Err(Self::missing_host(conn, CALL, &snapshot.run_id, snapshot.host_id)),
            }
        })
    }

    fn insert_fact_log(&self, fact: &NewFactLog) -> Result<()> {
        const CALL: &str = "insert_fact_log";
        rules::finite("timestamp", fact.timestamp)?;
        self.write(CALL, |conn| {
            conn.prepare_cached(
                "INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| s.execute(params![fact.run_id, fact.timestamp, fact.log_level, fact.context, fact.command]))
            .map(drop)
            .map_err(|e| sql_error(CALL, &fact.run_id, e))
        })
    }

    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        rules::timespan_bounds(start_time, end_time)?;
        self.read("get_facts_for_timespan", |conn| {
            read::timespan(conn, run_id, start_time, end_time)
        })
    }

    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.read("get_run_summary_stats", |conn| read::summary(conn, run_id))
    }

    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        self.read("get_run_data", |conn| read::run_data(conn, run_id))
    }
}
