//! The reads of the SQLite harbor: host lookup, timespan, summary and run data.
//! Every list is ordered by timestamp, then id; run data is read in one transaction.

use std::collections::HashMap;

use conformance::model::rules;
use conformance::records::secrets_from_json;
use conformance::Json;
use conformance::{
    FactLog, HostId, HostRecord, LimaniError, OperationRecord, Result, RunData, RunRecord,
    RunStatus, SnapshotRecord, SummaryStats,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

fn storage(call: &'static str) -> impl Fn(rusqlite::Error) -> LimaniError {
    move |e| LimaniError::storage(call, e)
}

pub fn host_id(conn: &Connection, call: &str, run_id: &str, name: &str) -> Result<Option<HostId>> {
    conn.prepare_cached("SELECT id FROM hosts WHERE run_id = ?1 AND name = ?2")
        .and_then(|mut s| s.query_row(params![run_id, name], |r| r.get(0)).optional())
        .map_err(|e| LimaniError::storage(call, e))
}

const FACT_COLUMNS: &str = "id, run_id, timestamp, log_level, context, command";

fn fact(row: &Row) -> rusqlite::Result<FactLog> {
    Ok(FactLog {
        id: row.get(0)?,
        run_id: row.get(1)?,
        timestamp: row.get(2)?,
        log_level: row.get(3)?,
        context: row.get(4)?,
        command: row.get(5)?,
    })
}

pub fn timespan(conn: &Connection, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
    let sql = format!(
        "SELECT {FACT_COLUMNS} FROM command_n_facts_in_order
         WHERE run_id = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp, id"
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(storage("get_facts_for_timespan"))?;
    let rows = stmt.query_map(params![run_id, start, end], fact);
    rows.and_then(Iterator::collect)
        .map_err(storage("get_facts_for_timespan"))
}

/// Counts in Rust with the model's rule, so the rounding is Python's.
pub fn summary(conn: &Connection, run_id: &str) -> Result<SummaryStats> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT changed, success, duration FROM operations WHERE run_id = ?1 ORDER BY id",
        )
        .map_err(storage("get_run_summary_stats"))?;
    let rows = stmt.query_map([run_id], |r| {
        Ok((
            r.get::<_, i64>(0)? != 0,
            r.get::<_, i64>(1)? != 0,
            r.get::<_, f64>(2)?,
        ))
    });
    let operations: Vec<_> = rows
        .and_then(Iterator::collect)
        .map_err(storage("get_run_summary_stats"))?;
    Ok(rules::summary_stats(operations))
}

/// A `*_json` column; text that is not JSON is a damaged store.
fn json(row: &Row, index: usize) -> rusqlite::Result<Option<Json>> {
    let text: Option<String> = row.get(index)?;
    text.map(|t| {
        Json::new(t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        })
    })
    .transpose()
}

fn run(row: &Row) -> rusqlite::Result<RunRecord> {
    let status: String = row.get(4)?;
    let status = RunStatus::parse(&status).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let secrets = json(row, 7)?
        .map(|list| secrets_from_json(&list))
        .transpose()
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?;
    Ok(RunRecord {
        id: row.get(0)?,
        run_id_human: row.get(1)?,
        start_time: row.get(2)?,
        end_time: row.get(3)?,
        status,
        summary: json(row, 5)?,
        hailer: json(row, 6)?,
        required_secrets: secrets,
    })
}

fn operation(row: &Row) -> rusqlite::Result<OperationRecord> {
    Ok(OperationRecord {
        id: row.get(0)?,
        run_id: row.get(1)?,
        host_id: row.get(2)?,
        op_hash: row.get(3)?,
        name: row.get(4)?,
        changed: row.get::<_, i64>(5)? != 0,
        success: row.get::<_, i64>(6)? != 0,
        duration: row.get(7)?,
        timestamp: row.get(8)?,
        logs: json(row, 9)?,
        diff: row.get(10)?,
        arguments: json(row, 11)?,
        retry_stats: json(row, 12)?,
        command_n_facts: json(row, 13)?,
    })
}

fn snapshot(row: &Row) -> rusqlite::Result<SnapshotRecord> {
    Ok(SnapshotRecord {
        id: row.get(0)?,
        run_id: row.get(1)?,
        host_id: row.get(2)?,
        stage: row.get(3)?,
        timestamp: row.get(4)?,
        metrics: json(row, 5)?,
        host_name: row.get(6)?,
    })
}

fn all<T>(
    conn: &Connection,
    sql: &str,
    run_id: &str,
    map: fn(&Row) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    conn.prepare_cached(sql)?
        .query_map([run_id], map)?
        .collect()
}

pub fn run_data(conn: &mut Connection, run_id: &str) -> Result<Option<RunData>> {
    let tx = conn.transaction().map_err(storage("get_run_data"))?;
    let data = read_run_data(&tx, run_id).map_err(storage("get_run_data"))?;
    tx.finish().map_err(storage("get_run_data"))?;
    Ok(data)
}

fn read_run_data(conn: &Connection, run_id: &str) -> rusqlite::Result<Option<RunData>> {
    let run = conn
        .prepare_cached(
            "SELECT id, run_id_human, start_time, end_time, status, summary_json, hailer_json, required_secrets
             FROM runs WHERE id = ?1",
        )?
        .query_row([run_id], run)
        .optional()?;
    let Some(run) = run else { return Ok(None) };
    let operations = all(
        conn,
        "SELECT id, run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs_json, diff,
                arguments_json, retry_stats_json, command_n_facts_in_order_json
         FROM operations WHERE run_id = ?1 ORDER BY timestamp, id",
        run_id,
        operation,
    )?;
    let mut by_host: HashMap<HostId, Vec<OperationRecord>> = HashMap::new();
    for op in operations {
        by_host.entry(op.host_id).or_default().push(op);
    }
    let hosts = all(
        conn,
        "SELECT id, run_id, name, summary_json FROM hosts WHERE run_id = ?1 ORDER BY id",
        run_id,
        |r| {
            Ok(HostRecord {
                id: r.get(0)?,
                run_id: r.get(1)?,
                name: r.get(2)?,
                summary: json(r, 3)?,
                operations: Vec::new(),
            })
        },
    )?
    .into_iter()
    .map(|mut host| {
        host.operations = by_host.remove(&host.id).unwrap_or_default();
        host
    })
    .collect();
    let snapshots = all(
        conn,
        "SELECT s.id, s.run_id, s.host_id, s.stage, s.timestamp, s.metrics_json, h.name
         FROM resource_snapshots s JOIN hosts h ON s.host_id = h.id
         WHERE s.run_id = ?1 ORDER BY s.timestamp, s.id",
        run_id,
        snapshot,
    )?;
    let fact_logs = all(
        conn,
        &format!("SELECT {FACT_COLUMNS} FROM command_n_facts_in_order WHERE run_id = ?1 ORDER BY timestamp, id"),
        run_id,
        fact,
    )?;
    Ok(Some(RunData {
        run,
        hosts,
        snapshots,
        fact_logs,
    }))
}
