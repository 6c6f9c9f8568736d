//! The reads of the PostgreSQL harbors; run data in one repeatable-read transaction. Rows
//! become records here, one way for both harbors; only the queries are sync or async.

use std::collections::HashMap;

use conformance::model::rules;
use conformance::records::secrets_from_json;
use conformance::Json;
use conformance::{
    FactLog, HostId, HostRecord, LimaniError, OperationRecord, Result, RunData, RunRecord,
    RunStatus, SnapshotRecord, SummaryStats,
};
use postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::{IsolationLevel, Row};

use super::sql::Sql;
use super::text::{load, store};

fn storage(call: &'static str) -> impl Fn(tokio_postgres::Error) -> LimaniError {
    move |e| LimaniError::storage(call, e)
}

fn string(row: &Row, i: usize) -> String {
    load(row.get(i))
}

fn optional(row: &Row, i: usize) -> Option<String> {
    row.get::<_, Option<String>>(i).map(load)
}

fn json(row: &Row, i: usize) -> Result<Option<Json>> {
    row.get::<_, Option<String>>(i)
        .map(|t| Json::new(t).map_err(|e| LimaniError::storage("get_run_data", e)))
        .transpose()
}

fn fact(row: &Row) -> FactLog {
    FactLog {
        id: row.get(0),
        run_id: string(row, 1),
        timestamp: row.get(2),
        log_level: optional(row, 3),
        context: optional(row, 4),
        command: optional(row, 5),
    }
}

/// The fact logs in rows of [`Sql::timespan`] or [`Sql::facts`].
fn facts(rows: &[Row]) -> Vec<FactLog> {
    rows.iter().map(fact).collect()
}

/// The summary of the rows of [`Sql::SUMMARY`], counted in Rust with the model's rule, so the
/// rounding is Python's.
fn stats(rows: &[Row]) -> SummaryStats {
    rules::summary_stats(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))))
}

fn run_record(row: &Row) -> Result<RunRecord> {
    let status: String = row.get(4);
    let secrets = json(row, 7)?
        .map(|list| secrets_from_json(&list))
        .transpose()
        .map_err(|e| LimaniError::storage("get_run_data", e))?;
    Ok(RunRecord {
        id: string(row, 0),
        run_id_human: string(row, 1),
        start_time: row.get(2),
        end_time: row.get(3),
        status: RunStatus::parse(&status)?,
        summary: json(row, 5)?,
        hailer: json(row, 6)?,
        required_secrets: secrets,
    })
}

fn operation(r: &Row) -> Result<OperationRecord> {
    Ok(OperationRecord {
        id: r.get(0),
        run_id: string(r, 1),
        host_id: r.get(2),
        op_hash: optional(r, 3),
        name: string(r, 4),
        changed: r.get(5),
        success: r.get(6),
        duration: r.get(7),
        timestamp: r.get(8),
        logs: json(r, 9)?,
        diff: optional(r, 10),
        arguments: json(r, 11)?,
        retry_stats: json(r, 12)?,
        command_n_facts: json(r, 13)?,
    })
}

/// The operations of each host, in the rows' order.
fn operations_by_host(rows: &[Row]) -> Result<HashMap<HostId, Vec<OperationRecord>>> {
    let mut by_host: HashMap<HostId, Vec<OperationRecord>> = HashMap::new();
    for row in rows {
        let op = operation(row)?;
        by_host.entry(op.host_id).or_default().push(op);
    }
    Ok(by_host)
}

fn host(h: &Row, by_host: &mut HashMap<HostId, Vec<OperationRecord>>) -> HostRecord {
    let host_id: HostId = h.get(0);
    HostRecord {
        id: host_id,
        run_id: string(h, 1),
        name: string(h, 2),
        summary: h
            .get::<_, Option<String>>(3)
            .map(|t| Json::new(t.clone()).unwrap_or_else(|_| Value::String(t).into())),
        operations: by_host.remove(&host_id).unwrap_or_default(),
    }
}

fn snapshot(s: &Row) -> Result<SnapshotRecord> {
    Ok(SnapshotRecord {
        id: s.get(0),
        run_id: string(s, 1),
        host_id: s.get(2),
        stage: optional(s, 3),
        timestamp: s.get(4),
        metrics: json(s, 5)?,
        host_name: string(s, 6),
    })
}

/// The rows of a run's data: its row of [`Sql::run`], then those of [`Sql::operations`],
/// [`Sql::HOSTS`], [`Sql::snapshots`] and [`Sql::facts`].
struct RunRows {
    run: Row,
    operations: Vec<Row>,
    hosts: Vec<Row>,
    snapshots: Vec<Row>,
    facts: Vec<Row>,
}

impl RunRows {
    fn into_data(self) -> Result<RunData> {
        let run = run_record(&self.run)?;
        let mut by_host = operations_by_host(&self.operations)?;
        let hosts = self.hosts.iter().map(|h| host(h, &mut by_host)).collect();
        let snapshots = self.snapshots.iter().map(snapshot).collect::<Result<_>>()?;
        Ok(RunData {
            run,
            hosts,
            snapshots,
            fact_logs: facts(&self.facts),
        })
    }
}

/// The fact logs of a run with `start <= timestamp < end`.
pub fn timespan(
    conn: &mut impl GenericClient,
    sql: &Sql,
    run_id: &str,
    start: f64,
    end: f64,
) -> Result<Vec<FactLog>> {
    let rows = conn
        .query(&sql.timespan, &[&store(run_id), &start, &end])
        .map_err(storage("get_facts_for_timespan"))?;
    Ok(facts(&rows))
}

/// The operation counts and total duration of a run.
pub fn summary(conn: &mut impl GenericClient, run_id: &str) -> Result<SummaryStats> {
    let rows = conn
        .query(Sql::SUMMARY, &[&store(run_id)])
        .map_err(storage("get_run_summary_stats"))?;
    Ok(stats(&rows))
}

/// Everything stored for a run, read in one repeatable-read transaction.
pub fn run_data(conn: &mut postgres::Client, sql: &Sql, run_id: &str) -> Result<Option<RunData>> {
    let mut tx = conn
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(storage("get_run_data"))?;
    let rows = run_rows(&mut tx, sql, run_id)?;
    tx.commit().map_err(storage("get_run_data"))?;
    rows.map(RunRows::into_data).transpose()
}

fn run_rows(tx: &mut impl GenericClient, sql: &Sql, run_id: &str) -> Result<Option<RunRows>> {
    let id = store(run_id);
    let Some(run) = tx
        .query_opt(&sql.run, &[&id])
        .map_err(storage("get_run_data"))?
    else {
        return Ok(None);
    };
    let mut rows = |statement: &str| tx.query(statement, &[&id]).map_err(storage("get_run_data"));
    Ok(Some(RunRows {
        run,
        operations: rows(&sql.operations)?,
        hosts: rows(Sql::HOSTS)?,
        snapshots: rows(&sql.snapshots)?,
        facts: rows(&sql.facts)?,
    }))
}

/// The async twins of the reads above: the same statements, the same records.
pub mod nonblocking {
    use conformance::{FactLog, Result, RunData, SummaryStats};
    use deadpool_postgres::ClientWrapper;
    use tokio_postgres::{Client, IsolationLevel, Row, Transaction};

    use crate::postgres::read::{facts, stats, storage, RunRows};
    use crate::postgres::sql::Sql;
    use crate::postgres::text::store;

    /// The fact logs of a run with `start <= timestamp < end`.
    pub async fn timespan(
        conn: &ClientWrapper,
        sql: &Sql,
        run_id: &str,
        start: f64,
        end: f64,
    ) -> Result<Vec<FactLog>> {
        let failed = storage("get_facts_for_timespan");
        let statement = conn.prepare_cached(&sql.timespan).await.map_err(&failed)?;
        let rows = conn
            .query(&statement, &[&store(run_id), &start, &end])
            .await
            .map_err(failed)?;
        Ok(facts(&rows))
    }

    /// The operation counts and total duration of a run.
    pub async fn summary(conn: &ClientWrapper, run_id: &str) -> Result<SummaryStats> {
        let failed = storage("get_run_summary_stats");
        let statement = conn.prepare_cached(Sql::SUMMARY).await.map_err(&failed)?;
        let rows = conn
            .query(&statement, &[&store(run_id)])
            .await
            .map_err(failed)?;
        Ok(stats(&rows))
    }

    /// Everything stored for a run, read in one repeatable-read transaction.
    pub async fn run_data(conn: &mut Client, sql: &Sql, run_id: &str) -> Result<Option<RunData>> {
        let tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(storage("get_run_data"))?;
        let rows = run_rows(&tx, sql, run_id).await?;
        tx.commit().await.map_err(storage("get_run_data"))?;
        rows.map(RunRows::into_data).transpose()
    }

    async fn run_rows(tx: &Transaction<'_>, sql: &Sql, run_id: &str) -> Result<Option<RunRows>> {
        let id = store(run_id);
        let Some(run) = tx
            .query_opt(&sql.run, &[&id])
            .await
            .map_err(storage("get_run_data"))?
        else {
            return Ok(None);
        };
        Ok(Some(RunRows {
            run,
            operations: rows(tx, &sql.operations, &id).await?,
            hosts: rows(tx, Sql::HOSTS, &id).await?,
            snapshots: rows(tx, &sql.snapshots, &id).await?,
            facts: rows(tx, &sql.facts, &id).await?,
        }))
    }

    async fn rows(tx: &Transaction<'_>, statement: &str, id: &str) -> Result<Vec<Row>> {
        tx.query(statement, &[&id])
            .await
            .map_err(storage("get_run_data"))
    }
}
