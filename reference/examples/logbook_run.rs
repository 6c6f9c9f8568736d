//! One `chaos apply --logbook` run, in the Logbook's own call pattern, on the SQLite harbor
//! and on the model; exits 1 if their run data differ.
//!
//! `cargo run -p reference --example logbook_run [PATH]` (default: in memory).

use conformance::{Limani, MemoryLimani, NewFactLog, NewOperation, NewRun, NewSnapshot};
use reference::SqliteLimani;
use serde_json::json;

fn logbook_run(harbor: &dyn Limani) -> conformance::Result<()> {
    harbor.init_db()?;
    let run_id = harbor.create_run(&NewRun {
        run_id: "chaos-1769462953-7451800858269".into(),
        run_id_human: "chaos-2026/01/26-21:29:13".into(),
        start_time: 1769462953.6252427,
        hailer_info: json!({"user": "dex", "boatswain": "10.0.0.1", "hostname": "Dionysus"}).into(),
        required_secrets: Some(["vault/token".to_owned()].into()),
    })?;
    let (queue, writes) = std::sync::mpsc::channel::<
        Box<dyn FnOnce(&dyn Limani) -> conformance::Result<()> + Send>,
    >();
    std::thread::scope(|s| {
        let writer = s.spawn(move || {
            harbor.connect()?;
            for write in writes {
                write(harbor)?;
            }
            harbor.disconnect()
        });
        for (i, host) in ["@local", "web-1", "10.0.0.7"].iter().enumerate() {
            let host_id = harbor.get_or_create_host(&run_id, host)?;
            for op in 0..4 {
                let t0 = 1769462954.0 + (i * 10 + op) as f64;
                for f in 0..3 {
                    let (run_id, t) = (run_id.clone(), t0 + f as f64 * 0.1);
                    queue
                        .send(Box::new(move |h| {
                            h.insert_fact_log(&NewFactLog {
                                run_id,
                                timestamp: t,
                                log_level: "DEBUG".into(),
                                context: "fact_gathering".into(),
                                command: format!("files.Directory (path=/var/lib/{f})"),
                            })
                        }))
                        .unwrap();
                }
                // Wait (a bounded while) for the writer, so both harbors see the same facts.
                let waited = std::time::Instant::now();
                while harbor.get_facts_for_timespan(&run_id, t0, t0 + 1.0)?.len() < 3
                    && waited.elapsed().as_secs() < 5
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                let facts = harbor.get_facts_for_timespan(&run_id, t0, t0 + 1.0)?;
                let operation = NewOperation {
                    run_id: run_id.clone(),
                    host_id,
                    op_hash: format!("=op{op}"),
                    name: format!("Operation {op}"),
                    changed: op % 2 == 0,
                    success: op != 3,
                    duration: 0.0997,
                    timestamp: t0 + 0.5,
                    logs: json!({"stdout": "", "stderr": ""}).into(),
                    diff: String::new(),
                    arguments:
                        json!({"global_arguments": {"_sudo": true, "_sudo_password": "********"}})
                            .into(),
                    retry_stats: json!({"retry_attempts": 0, "max_retries": 0, "retry_info": {}})
                        .into(),
                    command_n_facts: conformance::rows::facts_json(&facts),
                };
                let failed = !operation.success;
                queue
                    .send(Box::new(move |h| h.insert_operation(&operation)))
                    .unwrap();
                if failed {
                    let run_id = run_id.clone();
                    queue
                        .send(Box::new(move |h| h.start_update_run(&run_id, "failure")))
                        .unwrap();
                }
            }
            let snapshot = NewSnapshot {
                run_id: run_id.clone(),
                host_id,
                stage: "post_operations".into(),
                timestamp: 1769462990.0 + i as f64,
                metrics: json!({"cpu_load_1min": 0.67, "ram_percent": 24.0}).into(),
            };
            queue
                .send(Box::new(move |h| h.insert_snapshot(&snapshot)))
                .unwrap();
        }
        drop(queue);
        writer.join().expect("the writer thread panicked")
    })?;
    let stats = harbor.get_run_summary_stats(&run_id)?;
    let mut summary = serde_json::to_value(&stats).expect("stats serialize");
    summary["status"] = json!("failure");
    harbor.end_run_update(&run_id, 1769463000.5, "failure", &summary.into())
}

fn main() {
    let sqlite = match std::env::args().nth(1) {
        Some(path) => SqliteLimani::open(path),
        None => SqliteLimani::open_in_memory(),
    }
    .expect("open the SQLite harbor");
    let model = MemoryLimani::new();
    for harbor in [&sqlite as &dyn Limani, &model] {
        logbook_run(harbor).expect("a Logbook run");
    }
    let id = "chaos-1769462953-7451800858269";
    let (got, want) = (
        sqlite.get_run_data(id).unwrap(),
        model.get_run_data(id).unwrap(),
    );
    let data = want.as_ref().expect("the model has the run");
    println!(
        "one Logbook run: {} hosts, {} operations, {} snapshots, {} fact logs",
        data.hosts.len(),
        data.hosts.iter().map(|h| h.operations.len()).sum::<usize>(),
        data.snapshots.len(),
        data.fact_logs.len()
    );
    if got == want {
        println!(
            "SQLite harbor ({:?}): run data equal to the model's",
            sqlite.location()
        );
    } else {
        println!("SQLite harbor: run data differ from the model's\n  model:  {want:?}\n  harbor: {got:?}");
        std::process::exit(1);
    }
}
