//! The table's harbors and the records its cases write.

use conformance::{ErrorKind, Limani, MemoryLimani, NewFactLog, NewOperation, NewRun};
use reference::SqliteLimani;
use serde_json::json;

pub enum Harbor {
    Model,
    SqliteMemory,
    SqliteFile,
}

pub fn open(kind: Harbor) -> (Box<dyn Limani>, Option<tempfile::TempDir>) {
    let harbor: (Box<dyn Limani>, _) = match kind {
        Harbor::Model => (Box::new(MemoryLimani::new()), None),
        Harbor::SqliteMemory => (Box::new(SqliteLimani::open_in_memory().unwrap()), None),
        Harbor::SqliteFile => {
            let dir = tempfile::tempdir().unwrap();
            (
                Box::new(SqliteLimani::open(dir.path().join("ch-rima.db")).unwrap()),
                Some(dir),
            )
        }
    };
    harbor.0.init_db().unwrap();
    harbor
}

pub fn run(id: &str) -> NewRun {
    NewRun {
        run_id: id.into(),
        run_id_human: format!("human {id}"),
        start_time: 1769462953.6252,
        hailer_info: json!({"user": "dex", "boatswain": "10.0.0.1", "hostname": "Dionysus"}).into(),
        required_secrets: None,
    }
}

pub fn fact(run_id: &str, timestamp: f64, command: &str) -> NewFactLog {
    NewFactLog {
        run_id: run_id.into(),
        timestamp,
        log_level: "DEBUG".into(),
        context: "fact_gathering".into(),
        command: command.into(),
    }
}

pub fn operation(
    run_id: &str,
    host_id: i64,
    name: &str,
    changed: bool,
    success: bool,
    duration: f64,
    timestamp: f64,
) -> NewOperation {
    NewOperation {
        run_id: run_id.into(),
        host_id,
        op_hash: format!("={name}"),
        name: name.into(),
        changed,
        success,
        duration,
        timestamp,
        logs: json!({"stdout": "", "stderr": ""}).into(),
        diff: String::new(),
        arguments: json!({"global_arguments": {"_sudo": true, "_sudo_user": null, "_retries": 0}})
            .into(),
        retry_stats: json!({"retry_attempts": 0, "max_retries": 0, "retry_info": {}}).into(),
        command_n_facts: json!([]).into(),
    }
}

pub fn commands(rows: &[conformance::FactLog]) -> Vec<String> {
    rows.iter().map(|f| f.command.clone().unwrap()).collect()
}

pub fn kind<T: std::fmt::Debug>(r: conformance::Result<T>) -> ErrorKind {
    r.expect_err("the call should have failed").kind()
}
