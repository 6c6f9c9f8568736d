//! `AsyncPostgresLimani`: `PostgresLimani` on tokio-postgres, with a
//! deadpool pool of at most `IDLE` (8) connections. The same schema, statements, checks, error
//! mapping and records: only running the statements is async.
//!
//! Each new connection sets the store's `search_path` (a `post_create` hook); recycling is
//! `Fast` (a closed connection is dropped). No connection goes back to the pool inside a
//! transaction: tokio-postgres rolls back a transaction dropped unfinished, and `init_db`'s
//! batch, which opens its transaction itself, takes its connection out of the pool unless the
//! batch finished well.

use conformance::model::rules;
use conformance::{
    FactLog, HostId, Json, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, SummaryStats,
};
use deadpool_postgres::{
    ClientWrapper, Hook, HookError, Manager, ManagerConfig, Metrics, Object, Pool, PoolError,
    RecyclingMethod,
};
use limani_contract::AsyncLimani;
use tokio_postgres::NoTls;

use super::read::nonblocking as read;
use super::sql::{quoted, Sql, IDLE};
use super::sql::{JsonColumn, TimeColumn};
use super::text::store;
use super::write::{self, Write};
use crate::unknown::unknown_if_none;

/// The reference PostgreSQL harbor on an async runtime: one schema of one database.
pub struct AsyncPostgresLimani {
    schema: String,
    sql: Sql,
    pool: Pool,
}

impl AsyncPostgresLimani {
    /// A harbor on `schema` (created by `init_db`) of the database at `url`.
    pub async fn open(url: &str, schema: &str) -> Result<Self> {
        let schema = quoted(schema)?;
        let config = url
            .parse::<tokio_postgres::Config>()
            .map_err(|e| LimaniError::storage("open", e))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(IDLE)
            .post_create(set_search_path(Sql::search_path(&schema)))
            .build()
            .map_err(|e| LimaniError::storage("open", e))?;
        let harbor = AsyncPostgresLimani {
            schema,
            sql: Sql::new(JsonColumn::Text, TimeColumn::Float8),
            pool,
        };
        drop(harbor.conn("open").await?);
        Ok(harbor)
    }

    async fn conn(&self, call: &str) -> Result<Object> {
        self.pool.get().await.map_err(|e| pool_error(call, e))
    }

    async fn execute(&self, write: &Write<'_>) -> Result<u64> {
        execute(&self.conn(write.call).await?, write).await
    }

    /// Runs `write`, which writes one row for the host `host_id`, and says why it wrote none.
    async fn write_for_host(&self, write: &Write<'_>, host_id: HostId) -> Result<()> {
        let conn = self.conn(write.call).await?;
        match execute(&conn, write).await? {
            1 => Ok(()),
            _ => {
                let run = conn
                    .query_opt(Sql::RUN_EXISTS, &[&store(write.run_id)])
                    .await;
                Err(write::missing_host(write, host_id, run))
            }
        }
    }
}

/// The hook that runs `statement` (the `SET search_path`) on every new connection.
fn set_search_path(statement: String) -> Hook {
    Hook::async_fn(move |client: &mut ClientWrapper, _: &Metrics| {
        let statement = statement.clone();
        Box::pin(async move {
            client
                .batch_execute(&statement)
                .await
                .map_err(HookError::Backend)
        })
    })
}

/// A failure to get a connection, as the sync harbor reports a failure to open one.
fn pool_error(call: &str, e: PoolError) -> LimaniError {
    match e {
        PoolError::Backend(e) | PoolError::PostCreateHook(HookError::Backend(e)) => {
            LimaniError::storage(call, e)
        }
        e => LimaniError::storage(call, e),
    }
}

/// Runs `write`'s statement, prepared once per connection (deadpool's statement cache): one
/// round trip for the statement, where the sync harbor's unprepared statements take two.
async fn execute(conn: &Object, write: &Write<'_>) -> Result<u64> {
    let statement = conn.prepare_cached(write.sql).await;
    let statement = statement.map_err(|e| write.failed(e))?;
    conn.execute(&statement, &write.params())
        .await
        .map_err(|e| write.failed(e))
}

/// The id of the host that `host` creates, if it exists.
async fn host_row(conn: &Object, host: &Write<'_>) -> Result<Option<HostId>> {
    let statement = conn.prepare_cached(Sql::HOST_ID).await;
    let statement = statement.map_err(|e| host.lookup_failed(e))?;
    conn.query_opt(&statement, &host.params())
        .await
        .map(write::host_id)
        .map_err(|e| host.lookup_failed(e))
}

/// A connection running a batch that opens and ends a transaction itself: it goes back to
/// the pool only if the batch finished well, as a failed or abandoned one can leave its
/// session inside an aborted transaction.
struct Batch(Option<Object>);

impl Batch {
    async fn run(mut self, statements: &str) -> std::result::Result<(), tokio_postgres::Error> {
        let conn = self.0.as_ref().expect("a pooled connection");
        conn.batch_execute(statements).await?;
        drop(self.0.take());
        Ok(())
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(Object::take(conn));
        }
    }
}

impl AsyncLimani for AsyncPostgresLimani {
    async fn connect(&self) -> Result<()> {
        self.conn("connect").await.map(drop)
    }

    /// Closes the idle connections; the next call opens one again.
    async fn disconnect(&self) -> Result<()> {
        drop(self.pool.retain(|_, _| false));
        Ok(())
    }

    /// Creates the schema and its tables if missing, under an advisory lock (concurrent DDL races in PostgreSQL).
    async fn init_db(&self) -> Result<()> {
        let batch = Batch(Some(self.conn("init_db").await?));
        batch
            .run(&self.sql.init(&self.schema))
            .await
            .map_err(|e| LimaniError::storage("init_db", e))
    }

    async fn create_run(&self, run: &NewRun) -> Result<String> {
        let write = write::create_run(&self.sql, run)?;
        write::created(run, self.execute(&write).await?)
    }

    async fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let write = write::start_update_run(run_id, status)?;
        unknown_if_none(self.execute(&write).await?, run_id)
    }

    async fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        let write = write::end_run_update(&self.sql, run_id, end_time, status, summary)?;
        unknown_if_none(self.execute(&write).await?, run_id)
    }

    /// Race-free: a lookup, then `INSERT .. ON CONFLICT DO NOTHING RETURNING id`, then a lookup.
    async fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let host = write::host(run_id, host_name);
        let conn = self.conn(host.call).await?;
        if let Some(id) = host_row(&conn, &host).await? {
            return Ok(id);
        }
        let insert = conn.prepare_cached(host.sql).await;
        let insert = insert.map_err(|e| host.failed(e))?;
        let created = conn
            .query_opt(&insert, &host.params())
            .await
            .map_err(|e| host.failed(e))?;
        match write::host_id(created) {
            Some(id) => Ok(id),
            None => host_row(&conn, &host)
                .await?
                .ok_or_else(write::vanished_host),
        }
    }

    async fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        let write = write::insert_operation(&self.sql, op)?;
        self.write_for_host(&write, op.host_id).await
    }

    async fn insert_snapshot(&self, s: &NewSnapshot) -> Result<()> {
        let write = write::insert_snapshot(&self.sql, s)?;
        self.write_for_host(&write, s.host_id).await
    }

    async fn insert_fact_log(&self, f: &NewFactLog) -> Result<()> {
        let write = write::insert_fact_log(&self.sql, f)?;
        self.execute(&write).await.map(drop)
    }

    async fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        rules::timespan_bounds(start_time, end_time)?;
        let conn = self.conn("get_facts_for_timespan").await?;
        read::timespan(&conn, &self.sql, run_id, start_time, end_time).await
    }

    async fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        read::summary(&*self.conn("get_run_summary_stats").await?, run_id).await
    }

    async fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let mut conn = self.conn("get_run_data").await?;
        read::run_data(&mut conn, &self.sql, run_id).await
    }
}
