//! The Logbook workload on a WAL file database: the SQLite harbor against a bare rusqlite
//! loop doing the same statements and commits, and timespan reads over 1,000,000 fact logs.
//!
//! `cargo bench -p reference` (scale with LIMANI_BENCH_OPS, default 3000 operations per round).

use std::time::{Duration, Instant};

use conformance::{Limani, NewFactLog, NewOperation, NewRun};
use reference::sqlite::{Location, SqliteOptions, Synchronous};
use reference::SqliteLimani;
use rusqlite::{params, Connection};
use serde_json::{json, Value};

const FACTS_PER_OPERATION: usize = 5;
const HOSTS: usize = 10;
const ROUNDS: usize = 5;

/// pyinfra-like arguments of about 2 KB.
fn arguments(i: usize) -> Value {
    let mut global = serde_json::Map::new();
    for k in 0..70 {
        global.insert(
            format!("_argument_number_{k:02}"),
            json!(if k % 3 == 0 {
                Value::Null
            } else {
                json!(k * i)
            }),
        );
    }
    global.insert("_sudo_password".into(), json!("********"));
    global.insert(
        "name".into(),
        json!(format!("Ensuring secrets state directory {i} exists")),
    );
    json!({"global_arguments": global, "operation_meta": {"executed": false, "maybe_change": false,
        "hash": "=784a97bf1955d5f7a2b9dd6c1e371e17b73c42bc"}, "parent_op_hash": null, "_if": [], "_env": {}})
}

struct Workload {
    operations: usize,
    args: Vec<Value>,
}

fn new_run(id: &str) -> NewRun {
    NewRun {
        run_id: id.into(),
        run_id_human: "chaos-2026/11/25".into(),
        start_time: 1.0,
        hailer_info: json!({"user": "bench"}).into(),
        required_secrets: None,
    }
}

fn harbor_round(w: &Workload, synchronous: Synchronous) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    };
    let harbor =
        SqliteLimani::with_options(Location::File(dir.path().join("h.db")), options).unwrap();
    harbor.init_db().unwrap();
    harbor.create_run(&new_run("run")).unwrap();
    let mut operations: Vec<NewOperation> = (w.args.iter())
        .map(|args| NewOperation {
            run_id: "run".into(),
            host_id: 0,
            op_hash: "=784a97bf".into(),
            name: "operation".into(),
            changed: false,
            success: true,
            duration: 0.0997,
            timestamp: 0.0,
            logs: json!({"stdout": "", "stderr": ""}).into(),
            diff: String::new(),
            arguments: args.clone().into(),
            retry_stats: json!({"retry_attempts": 0, "max_retries": 0}).into(),
            command_n_facts: Value::Null.into(),
        })
        .collect();
    let start = Instant::now();
    for i in 0..w.operations {
        let t0 = i as f64;
        for f in 0..FACTS_PER_OPERATION {
            harbor
                .insert_fact_log(&NewFactLog {
                    run_id: "run".into(),
                    timestamp: t0 + f as f64 * 0.1,
                    log_level: "DEBUG".into(),
                    context: "fact_gathering".into(),
                    command: format!("files.Directory (path=/var/lib/chaos/{i}/{f})"),
                })
                .unwrap();
        }
        let facts = harbor.get_facts_for_timespan("run", t0, t0 + 1.0).unwrap();
        let host = harbor
            .get_or_create_host("run", &format!("host-{}", i % HOSTS))
            .unwrap();
        // The operation is filled in place: the Logbook hands over its dicts, nothing is copied.
        let slot = i % operations.len();
        let op = &mut operations[slot];
        (op.host_id, op.changed, op.timestamp) = (host, i % 2 == 0, t0 + 0.9);
        op.command_n_facts = conformance::rows::facts_json(&facts);
        harbor.insert_operation(op).unwrap();
    }
    start.elapsed()
}

/// The same statements and commits with nothing around them; JSON text is made in the loop too.
fn bare_round(w: &Workload, synchronous: Synchronous) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("b.db")).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
        synchronous.as_str()
    ))
    .unwrap();
    // As the harbor does: a statement keeps its plan when a bound time changes.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .unwrap();
    conn.execute_batch(reference::sqlite::SCHEMA).unwrap();
    conn.execute("INSERT INTO runs (id, run_id_human, start_time, status) VALUES ('run', 'h', 1.0, 'in_progress')", []).unwrap();
    let start = Instant::now();
    for i in 0..w.operations {
        let t0 = i as f64;
        for f in 0..FACTS_PER_OPERATION {
            conn.prepare_cached("INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command) VALUES (?1, ?2, ?3, ?4, ?5)")
                .unwrap()
                .execute(params!["run", t0 + f as f64 * 0.1, "DEBUG", "fact_gathering", format!("files.Directory (path=/var/lib/chaos/{i}/{f})")])
                .unwrap();
        }
        let facts: Vec<Value> = conn
            .prepare_cached("SELECT id, run_id, timestamp, log_level, context, command FROM command_n_facts_in_order WHERE run_id = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp, id")
            .unwrap()
            .query_map(params!["run", t0, t0 + 1.0], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?, "run_id": r.get::<_, String>(1)?, "timestamp": r.get::<_, f64>(2)?,
                    "log_level": r.get::<_, String>(3)?, "context": r.get::<_, String>(4)?, "command": r.get::<_, String>(5)?}))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let name = format!("host-{}", i % HOSTS);
        let host: Option<i64> = conn
            .prepare_cached("SELECT id FROM hosts WHERE run_id = ?1 AND name = ?2")
            .unwrap()
            .query_row(params!["run", name], |r| r.get(0))
            .ok();
        let host = host.unwrap_or_else(|| {
            conn.execute(
                "INSERT INTO hosts (run_id, name) VALUES (?1, ?2)",
                params!["run", name],
            )
            .unwrap();
            conn.last_insert_rowid()
        });
        conn.prepare_cached("INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs_json, diff, arguments_json, retry_stats_json, command_n_facts_in_order_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
            .unwrap()
            .execute(params!["run", host, "=784a97bf", "operation", i % 2 == 0, true, 0.0997, t0 + 0.9,
                json!({"stdout": "", "stderr": ""}).to_string(), "", w.args[i % w.args.len()].to_string(),
                json!({"retry_attempts": 0, "max_retries": 0}).to_string(), Value::Array(facts).to_string()])
            .unwrap();
    }
    start.elapsed()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn compare(w: &Workload, synchronous: Synchronous) {
    let (mut harbor, mut bare) = (Vec::new(), Vec::new());
    harbor_round(w, synchronous); // warm-up
    for _ in 0..ROUNDS {
        harbor.push(harbor_round(w, synchronous));
        bare.push(bare_round(w, synchronous));
    }
    let (h, b) = (median(harbor), median(bare));
    let per_s = |d: Duration| w.operations as f64 / d.as_secs_f64();
    let commits = (FACTS_PER_OPERATION + 1) as f64;
    println!(
        "workload, WAL, synchronous={:<6}  harbor {:>8.0} ops/s ({:>7.0} commits/s)  bare rusqlite {:>8.0} ops/s  harbor/bare = {:.1}%",
        synchronous.as_str(),
        per_s(h),
        per_s(h) * commits,
        per_s(b),
        100.0 * b.as_secs_f64() / h.as_secs_f64()
    );
}

fn timespan_reads_over_a_million_facts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        conn.execute_batch(reference::sqlite::SCHEMA).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO runs (id, run_id_human, start_time, status) VALUES ('big', 'h', 0, 'in_progress')", []).unwrap();
        {
            let mut insert = tx.prepare("INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command) VALUES ('big', ?1, 'DEBUG', 'fact_gathering', ?2)").unwrap();
            for i in 0..1_000_000u32 {
                insert
                    .execute(params![1.7e9 + f64::from(i) * 0.01, format!("command {i}")])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let harbor = SqliteLimani::open(&path).unwrap();
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut latencies = Vec::with_capacity(20_000);
    for round in 0..21_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let start = 1.7e9 + (state % 999_990) as f64 * 0.01;
        let t = Instant::now();
        let facts = harbor
            .get_facts_for_timespan("big", start, start + 0.05)
            .unwrap();
        let took = t.elapsed();
        assert_eq!(facts.len(), 5);
        if round >= 1000 {
            latencies.push(took);
        }
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e6;
    println!(
        "timespan read, 1,000,000 fact logs, 5 per window: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// The same workload on the PostgreSQL harbor (a server from `PgServer::any`).
fn postgres_round(w: &Workload) {
    let server = match reference::PgServer::any() {
        Ok(server) => server,
        Err(why) => return println!("workload on PostgreSQL: skipped ({why})"),
    };
    let store = reference::PgStore::fresh(server.url()).unwrap();
    let harbor = store.open().unwrap();
    harbor.init_db().unwrap();
    harbor.create_run(&new_run("run")).unwrap();
    let operations = w.operations.min(1000);
    let start = Instant::now();
    for i in 0..operations {
        let t0 = i as f64;
        for f in 0..FACTS_PER_OPERATION {
            let fact = NewFactLog {
                run_id: "run".into(),
                timestamp: t0 + f as f64 * 0.1,
                log_level: "DEBUG".into(),
                context: "fact_gathering".into(),
                command: format!("files.Directory (path=/var/lib/chaos/{i}/{f})"),
            };
            harbor.insert_fact_log(&fact).unwrap();
        }
        let facts = harbor.get_facts_for_timespan("run", t0, t0 + 1.0).unwrap();
        let host = harbor
            .get_or_create_host("run", &format!("host-{}", i % HOSTS))
            .unwrap();
        let mut op = conformance::toolkit::sample::operation("run", host, "operation", t0 + 0.9);
        op.arguments = w.args[i % w.args.len()].clone().into();
        op.command_n_facts = conformance::rows::facts_json(&facts);
        harbor.insert_operation(&op).unwrap();
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "workload on PostgreSQL ({}): harbor {:>8.0} ops/s ({:.0} commits/s)",
        server.origin(),
        operations as f64 / took,
        operations as f64 * (FACTS_PER_OPERATION + 1) as f64 / took
    );
}

fn main() {
    let operations = std::env::var("LIMANI_BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let w = Workload {
        operations,
        args: (0..16).map(arguments).collect(),
    };
    println!(
        "Logbook workload: {operations} operations x ({FACTS_PER_OPERATION} fact logs, 1 timespan read, 1 host lookup, 1 operation with {} B of arguments)",
        w.args[0].to_string().len()
    );
    compare(&w, Synchronous::Normal);
    compare(&w, Synchronous::Full);
    timespan_reads_over_a_million_facts();
    postgres_round(&w);
}
