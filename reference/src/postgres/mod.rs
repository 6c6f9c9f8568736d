//! `PostgresLimani`: the reference harbor on PostgreSQL. The same logical schema as the SQLite
//! harbor, times as `double precision`, JSON as text, NUL-safe strings, one schema per store.
//! [`AsyncPostgresLimani`] is the same harbor on tokio-postgres.

mod asynchronous;
pub(crate) mod cluster;
mod read;
pub mod server;
mod sql;
mod text;
mod write;

use std::sync::{Mutex, MutexGuard};

use crate::unknown::unknown_if_none;
use conformance::model::rules;
use conformance::Json;
use conformance::{
    FactLog, HostId, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, SummaryStats,
};
use postgres::{Client, NoTls};

pub use asynchronous::AsyncPostgresLimani;
pub use server::{wait_ready, PgServer};
use sql::{quoted, Sql, IDLE};
pub use sql::{JsonColumn, TimeColumn};
use text::store;
use write::Write;

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

    fn run(&mut self, write: &Write) -> Result<u64> {
        self.execute(write.sql, &write.params())
            .map_err(|e| write.failed(e))
    }

    /// The id of the host that `host` creates, if it exists.
    fn host_row(&mut self, host: &Write) -> Result<Option<HostId>> {
        self.query_opt(Sql::HOST_ID, &host.params())
            .map(write::host_id)
            .map_err(|e| host.lookup_failed(e))
    }

    /// Runs `write`, which writes one row for the host `host_id`, and says why it wrote none.
    fn write_for_host(&mut self, write: &Write, host_id: HostId) -> Result<()> {
        match self.run(write)? {
            1 => Ok(()),
            _ => {
                let run = self.query_opt(Sql::RUN_EXISTS, &[&store(write.run_id)]);
                Err(write::missing_host(write, host_id, run))
            }
        }
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
                    .batch_execute(&Sql::search_path(&self.schema))
                    .map_err(|e| LimaniError::storage(call, e))?;
                client
            }
        };
        Ok(Conn {
            client: Some(client),
            pool: &self.idle,
        })
    }

    fn execute(&self, write: &Write) -> Result<u64> {
        self.conn(write.call)?.run(write)
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
        conn.batch_execute(&self.sql.init(&self.schema))
            .map_err(|e| {
                conn.discard(); // its session may be left inside the failed transaction
                LimaniError::storage("init_db", e)
            })
    }

    fn create_run(&self, run: &NewRun) -> Result<String> {
        let write = write::create_run(&self.sql, run)?;
        write::created(run, self.execute(&write)?)
    }

    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let write = write::start_update_run(run_id, status)?;
        unknown_if_none(self.execute(&write)?, run_id)
    }

    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        let write = write::end_run_update(&self.sql, run_id, end_time, status, summary)?;
        unknown_if_none(self.execute(&write)?, run_id)
    }

    /// Race-free: a lookup, then `INSERT .. ON CONFLICT DO NOTHING RETURNING id`, then a lookup.
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let host = write::host(run_id, host_name);
        let mut conn = self.conn(host.call)?;
        if let Some(id) = conn.host_row(&host)? {
            return Ok(id);
        }
        let created = conn
            .query_opt(host.sql, &host.params())
            .map_err(|e| host.failed(e))?;
        match write::host_id(created) {
            Some(id) => Ok(id),
            None => conn.host_row(&host)?.ok_or_else(write::vanished_host),
        }
    }

    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        let write = write::insert_operation(&self.sql, op)?;
        self.conn(write.call)?.write_for_host(&write, op.host_id)
    }

    fn insert_snapshot(&self, s: &NewSnapshot) -> Result<()> {
        let write = write::insert_snapshot(&self.sql, s)?;
        self.conn(write.call)?.write_for_host(&write, s.host_id)
    }

    fn insert_fact_log(&self, f: &NewFactLog) -> Result<()> {
        let write = write::insert_fact_log(&self.sql, f)?;
        self.execute(&write).map(drop)
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

    /// An async harbor on this store.
    pub async fn open_async(&self) -> Result<AsyncPostgresLimani> {
        AsyncPostgresLimani::open(&self.url, &self.schema).await
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
