//! `PostgresLimani`: the reference harbor on PostgreSQL. The same logical schema as the SQLite
//! harbor, times as `double precision`, JSON as text, NUL-safe strings, one schema per store.

mod read;
pub mod server;
mod sql;
mod text;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::unknown_if_none;
use conformance::model::rules;
use conformance::records::secrets_to_json;
use conformance::Json;
use conformance::{
    FactLog, HostId, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, RunStatus, SummaryStats,
};
use postgres::error::SqlState;
use postgres::{Client, NoTls};

pub use server::PgServer;
use sql::Sql;
pub use sql::{JsonColumn, TimeColumn};
use text::store;

/// How many idle connections a harbor keeps.
const IDLE: usize = 8;

/// The reference PostgreSQL harbor: one schema of one database.
pub struct PostgresLimani {
    url: String,
    schema: String,
    sql: Sql,
    idle: Mutex<Vec<Client>>,
}

/// A connection borrowed from the harbor's pool, returned on drop.
struct Conn<'a> {
    client: Option<Client>,
    pool: &'a Mutex<Vec<Client>>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("a pooled connection")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("a pooled connection")
    }
}

impl Conn<'_> {
    /// Closes the connection instead of giving it back to the pool.
    fn discard(&mut self) {
        drop(self.client.take());
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let mut idle = lock(self.pool);
            if idle.len() < IDLE && !client.is_closed() {
                idle.push(client);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Maps a failed statement: a broken foreign key means an unknown run; the rest is storage.
fn pg_error(call: &str, run_id: &str, e: postgres::Error) -> LimaniError {
    match e.code() {
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => LimaniError::UnknownRun {
            run_id: run_id.to_owned(),
        },
        _ => LimaniError::storage(call, e),
    }
}

impl PostgresLimani {
    /// A harbor on `schema` (created by `init_db`) of the database at `url`.
    pub fn open(url: &str, schema: &str) -> Result<Self> {
        Self::with_columns(url, schema, JsonColumn::Text, TimeColumn::Float8)
    }

    /// A harbor with other column types; only the defaults keep the contract.
    pub fn with_columns(
        url: &str,
        schema: &str,
        json: JsonColumn,
        time: TimeColumn,
    ) -> Result<Self> {
        let harbor = PostgresLimani {
            url: url.to_owned(),
            schema: quoted(schema)?,
            sql: Sql::new(json, time),
            idle: Mutex::default(),
        };
        drop(harbor.conn("open")?);
        Ok(harbor)
    }

    fn conn(&self, call: &str) -> Result<Conn<'_>> {
        let pooled = lock(&self.idle).pop();
        let client = match pooled {
            Some(client) => client,
            None => {
                let mut client =
                    Client::connect(&self.url, NoTls).map_err(|e| LimaniError::storage(call, e))?;
                client
                    .batch_execute(&format!("SET search_path TO {}", self.schema))
                    .map_err(|e| LimaniError::storage(call, e))?;
                client
            }
        };
        Ok(Conn {
            client: Some(client),
            pool: &self.idle,
        })
    }

    /// Why a row for a host of a run was not written: the run is unknown, or the host is not its own.
    fn missing_host(
        &self,
        conn: &mut Client,
        call: &str,
        run_id: &str,
        host_id: HostId,
    ) -> LimaniError {
        match conn.query_opt("SELECT 1 FROM runs WHERE id = $1", &[&store(run_id)]) {
            Ok(Some(_)) => LimaniError::UnknownHost {
                run_id: run_id.to_owned(),
                host_id,
            },
            Ok(None) => LimaniError::UnknownRun {
                run_id: run_id.to_owned(),
            },
            Err(e) => LimaniError::storage(call, e),
        }
    }

    fn host_row(
        &self,
        conn: &mut Client,
        call: &str,
        run_id: &str,
        name: &str,
    ) -> Result<Option<HostId>> {
        conn.query_opt(
            "SELECT id FROM hosts WHERE run_id = $1 AND name = $2",
            &[&store(run_id), &store(name)],
        )
        .map(|row| row.map(|r| r.get(0)))
        .map_err(|e| LimaniError::storage(call, e))
    }
}

impl Limani for PostgresLimani {
    fn connect(&self) -> Result<()> {
        self.conn("connect").map(drop)
    }

    /// Closes the idle connections; the next call opens one again.
    fn disconnect(&self) -> Result<()> {
        lock(&self.idle).clear();
        Ok(())
    }

    /// Creates the schema and its tables if missing, under an advisory lock (concurrent DDL races in PostgreSQL).
    fn init_db(&self) -> Result<()> {
        let mut conn = self.conn("init_db")?;
        let ddl = format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7340201); CREATE SCHEMA IF NOT EXISTS {0}; SET LOCAL search_path TO {0}; {1} COMMIT;",
            self.schema, self.sql.schema
        );
        conn.batch_execute(&ddl).map_err(|e| {
            conn.discard(); // its session may be left inside the failed transaction
            LimaniError::storage("init_db", e)
        })
    }

    fn create_run(&self, run: &NewRun) -> Result<String> {
        rules::finite("start_time", run.start_time)?;
        let secrets = run
            .required_secrets
            .as_ref()
            .map(|s| secrets_to_json(s).into_string());
        let inserted = self
            .conn("create_run")?
            .execute(
                &self.sql.create_run,
                &[
                    &store(&run.run_id),
                    &store(&run.run_id_human),
                    &run.start_time,
                    &run.hailer_info.to_string(),
                    &secrets,
                ],
            )
            .map_err(|e| pg_error("create_run", &run.run_id, e))?;
        match inserted {
            1 => Ok(run.run_id.clone()),
            _ => Err(LimaniError::DuplicateRun {
                run_id: run.run_id.clone(),
            }),
        }
    }

    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let status = RunStatus::parse(status)?;
        let updated = self
            .conn("start_update_run")?
            .execute(
                "UPDATE runs SET status = $1 WHERE id = $2",
                &[&status.as_str(), &store(run_id)],
            )
            .map_err(|e| pg_error("start_update_run", run_id, e))?;
        unknown_if_none(updated, run_id)
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
        let updated = self
            .conn("end_run_update")?
            .execute(
                &self.sql.end_run,
                &[
                    &end_time,
                    &status.as_str(),
                    &summary.to_string(),
                    &store(run_id),
                ],
            )
            .map_err(|e| pg_error("end_run_update", run_id, e))?;
        unknown_if_none(updated, run_id)
    }

    /// Race-free: a lookup, then `INSERT .. ON CONFLICT DO NOTHING RETURNING id`, then a lookup.
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        const CALL: &str = "get_or_create_host";
        let mut conn = self.conn(CALL)?;
        if let Some(id) = self.host_row(&mut conn, CALL, run_id, host_name)? {
            return Ok(id);
        }
        let created = conn
            .query_opt(
                "INSERT INTO hosts (run_id, name) VALUES ($1, $2) ON CONFLICT (run_id, name) DO NOTHING RETURNING id",
                &[&store(run_id), &store(host_name)],
            )
            .map_err(|e| pg_error(CALL, run_id, e))?;
        match created {
            Some(row) => Ok(row.get(0)),
            None => self
                .host_row(&mut conn, CALL, run_id, host_name)?
                .ok_or_else(|| {
                    LimaniError::storage_message(
                        CALL,
                        "the host row vanished after a conflicting insert",
                    )
                }),
        }
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
        let mut conn = self.conn(CALL)?;
        let inserted = conn
            .execute(
                &self.sql.insert_operation,
                &[
                    &store(&op.run_id),
                    &op.host_id,
                    &store(&op.op_hash),
                    &store(&op.name),
                    &op.changed,
                    &op.success,
                    &op.duration,
                    &op.timestamp,
                    &json[0],
                    &store(&op.diff),
                    &json[1],
                    &json[2],
                    &json[3],
                ],
            )
            .map_err(|e| pg_error(CALL, &op.run_id, e))?;
        match inserted {
            1 => Ok(()),
            _ => Err(self.missing_host(&mut conn, CALL, &op.run_id, op.host_id)),
        }
    }

    fn insert_snapshot(&self, s: &NewSnapshot) -> Result<()> {
        const CALL: &str = "insert_snapshot";
        rules::finite("timestamp", s.timestamp)?;
        let mut conn = self.conn(CALL)?;
        let inserted = conn
            .execute(
                &self.sql.insert_snapshot,
                &[
                    &store(&s.run_id),
                    &s.host_id,
                    &store(&s.stage),
                    &s.timestamp,
                    &s.metrics.to_string(),
                ],
            )
            .map_err(|e| pg_error(CALL, &s.run_id, e))?;
        match inserted {
            1 => Ok(()),
            _ => Err(self.missing_host(&mut conn, CALL, &s.run_id, s.host_id)),
        }
    }

    fn insert_fact_log(&self, f: &NewFactLog) -> Result<()> {
        rules::finite("timestamp", f.timestamp)?;
        self.conn("insert_fact_log")?
            .execute(
                &self.sql.insert_fact,
                &[
                    &store(&f.run_id),
                    &f.timestamp,
                    &store(&f.log_level),
                    &store(&f.context),
                    &store(&f.command),
                ],
            )
            .map(drop)
            .map_err(|e| pg_error("insert_fact_log", &f.run_id, e))
    }

    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        rules::timespan_bounds(start_time, end_time)?;
        let mut conn = self.conn("get_facts_for_timespan")?;
        read::timespan(&mut *conn, &self.sql, run_id, start_time, end_time)
    }

    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        read::summary(&mut *self.conn("get_run_summary_stats")?, run_id)
    }

    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        read::run_data(&mut *self.conn("get_run_data")?, &self.sql, run_id)
    }
}

/// A store of its own: a fresh schema in the database at `url`, dropped with the store.
pub struct PgStore {
    url: String,
    schema: String,
}

impl PgStore {
    /// A new, empty store on the server at `url`.
    pub fn fresh(url: &str) -> Result<PgStore> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = format!("limani_{:x}_{}_{n}", clock, std::process::id());
        Ok(PgStore {
            url: url.to_owned(),
            schema,
        })
    }

    /// A harbor on this store (call as often as needed: every harbor sees the same data).
    pub fn open(&self) -> Result<PostgresLimani> {
        PostgresLimani::open(&self.url, &self.schema)
    }

    /// A harbor on this store with other column types.
    pub fn open_with(&self, json: JsonColumn, time: TimeColumn) -> Result<PostgresLimani> {
        PostgresLimani::with_columns(&self.url, &self.schema, json, time)
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl PgStore {
    /// Drops the store's schema now, from any thread (for an interrupted run). Idempotent.
    pub fn teardown(&self) {
        if let (Ok(mut client), Ok(schema)) =
            (Client::connect(&self.url, NoTls), quoted(&self.schema))
        {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// A schema name as a quoted identifier: kept exactly (case, reserved words, leading digits),
/// never cut. PostgreSQL keeps 63 bytes of a name and cannot hold a NUL: longer or NUL names
/// are refused, as two long names would otherwise share one schema.
fn quoted(schema: &str) -> Result<String> {
    match schema {
        "" => Err(LimaniError::invalid("schema", "an empty name")),
        s if s.len() > 63 => Err(LimaniError::invalid(
            "schema",
            format!("{s:?} is {} bytes; PostgreSQL keeps 63", s.len()),
        )),
        s if s.contains('\0') => Err(LimaniError::invalid("schema", format!("{s:?} holds a NUL"))),
        s => Ok(format!("\"{}\"", s.replace('"', "\"\""))),
    }
}

/// Waits until the server at `url` accepts a query, up to `patience`.
pub fn wait_ready(url: &str, patience: Duration) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        match Client::connect(url, NoTls).and_then(|mut c| c.simple_query("SELECT 1").map(drop)) {
            Ok(()) => return Ok(()),
            Err(e) if started.elapsed() > patience => {
                return Err(format!(
                    "PostgreSQL at {url} did not answer within {patience:?}: {e}"
                ))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
