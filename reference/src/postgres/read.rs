//! The reads of the PostgreSQL harbor; run data in one repeatable-read transaction.

use std::collections::HashMap;

use conformance::model::rules;
use conformance::records::secrets_from_json;
use conformance::Json;
use conformance::{
    FactLog, HostId, HostRecord, LimaniError, OperationRecord, Result, RunData, RunRecord,
    RunStatus, SnapshotRecord, SummaryStats,
};
use postgres::{GenericClient, Row};
use serde_json::Value;

use super::sql::Sql;
use super::text::{load, store};

fn storage(call: &'static str) -> impl Fn(postgres::Error) -> LimaniError {
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
    Ok(rows.iter().map(fact).collect())
}

/// Counts in Rust with the model's rule, so the rounding is Python's.
pub fn summary(conn: &mut impl GenericClient, run_id: &str) -> Result<SummaryStats> {
    let rows = conn
        .query(
            "SELECT changed, success, duration FROM operations WHERE run_id = $1 ORDER BY id",
            &[&store(run_id)],
        )
        .map_err(storage("get_run_summary_stats"))?;
    Ok(rules::summary_stats(
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))),
    ))
}

pub fn run_data(conn: &mut postgres::Client, sql: &Sql, run_id: &str) -> Result<Option<RunData>> {
    let mut tx = conn
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(storage("get_run_data"))?;
    let data = read_run_data(&mut tx, sql, run_id)?;
    tx.commit().map_err(storage("get_run_data"))?;
    Ok(data)
}

fn read_run_data(tx: &mut impl GenericClient, sql: &Sql, run_id: &str) -> Result<Option<RunData>> {
    let id = store(run_id);
    let Some(run) = tx
        .query_opt(&sql.run, &[&id])
        .map_err(storage("get_run_data"))?
    else {
        return Ok(None);
    };
    let status: String = run.get(4);
    let secrets = json(&run, 7)?
        .map(|list| secrets_from_json(&list))
        .transpose()
        .map_err(|e| LimaniError::storage("get_run_data", e))?;
    let run = RunRecord {
        id: string(&run, 0),
        run_id_human: string(&run, 1),
        start_time: run.get(2),
        end_time: run.get(3),
        status: RunStatus::parse(&status)?,
        summary: json(&run, 5)?,
        hailer: json(&run, 6)?,
        required_secrets: secrets,
    };
    let mut by_host: HashMap<HostId, Vec<OperationRecord>> = HashMap::new();
    for r in tx
        .query(&sql.operations, &[&id])
        .map_err(storage("get_run_data"))?
    {
        let op = OperationRecord {
            id: r.get(0),
            run_id: string(&r, 1),
            host_id: r.get(2),
            op_hash: optional(&r, 3),
            name: string(&r, 4),
            changed: r.get(5),
            success: r.get(6),
            duration: r.get(7),
            timestamp: r.get(8),
            logs: json(&r, 9)?,
            diff: optional(&r, 10),
            arguments: json(&r, 11)?,
            retry_stats: json(&r, 12)?,
            command_n_facts: json(&r, 13)?,
        };
        by_host.entry(op.host_id).or_default().push(op);
    }
    let mut hosts = Vec::new();
    for h in tx
        .query(
            "SELECT id, run_id, name, summary_json::text FROM hosts WHERE run_id = $1 ORDER BY id",
            &[&id],
        )
        .map_err(storage("get_run_data"))?
    {
        let host_id: HostId = h.get(0);
        hosts.push(HostRecord {
            id: host_id,
            run_id: string(&h, 1),
            name: string(&h, 2),
            summary: h
                .get::<_, Option<String>>(3)
                .map(|t| Json::new(t.clone()).unwrap_or_else(|_| Value::String(t).into())),
            operations: by_host.remove(&host_id).unwrap_or_default(),
        });
    }
    let mut snapshots = Vec::new();
    for s in tx
        .query(&sql.snapshots, &[&id])
        .map_err(storage("get_run_data"))?
    {
        snapshots.push(SnapshotRecord {
            id: s.get(0),
            run_id: string(&s, 1),
            host_id: s.get(2),
            stage: optional(&s, 3),
            timestamp: s.get(4),
            metrics: json(&s, 5)?,
            host_name: string(&s, 6),
        });
    }
    let fact_logs = tx
        .query(&sql.facts, &[&id])
        .map_err(storage("get_run_data"))?
        .iter()
        .map(fact)
        .collect();
    Ok(Some(RunData {
        run,
        hosts,
        snapshots,
        fact_logs,
    }))
}
