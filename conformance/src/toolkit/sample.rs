//! Realistic Logbook records for checks: shaped like what `chaos apply --logbook` sends.

use serde_json::json;

use crate::json::Json;

use crate::records::{HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, Revision};

/// A run as the Logbook creates it; under Ch-aOS 0.7 it needed two secrets.
pub fn run(run_id: &str, revision: Revision) -> NewRun {
    NewRun {
        run_id: run_id.to_owned(),
        run_id_human: "chaos-2026/01/26-21:29:13".to_owned(),
        start_time: 1769462953.6252427,
        hailer_info:
            json!({"user": "dexmachina", "boatswain": "192.0.2.7", "hostname": "Dionysus"}).into(),
        required_secrets: match revision {
            Revision::Seed => None,
            Revision::Chaos07 => {
                Some(["vault/ssh_key".to_owned(), "sudo_password".to_owned()].into())
            }
        },
    }
}

/// pyinfra's arguments of one operation, secrets masked.
pub fn arguments(name: &str) -> Json {
    json!({
        "global_arguments": {
            "_sudo": true, "_sudo_user": null, "_use_sudo_login": false, "_sudo_password": "********",
            "_shell_executable": "sh", "_chdir": null, "_env": {}, "_success_exit_codes": [0],
            "_timeout": null, "_retries": 0, "_retry_delay": 5, "name": name, "_if": []
        },
        "operation_meta": {"executed": false, "maybe_change": false, "hash": "=784a97bf1955d5f7a2b9dd6c1e371e17b73c42bc"},
        "parent_op_hash": null
    })
    .into()
}

/// An operation of a host, at `timestamp`.
pub fn operation(run_id: &str, host_id: HostId, name: &str, timestamp: f64) -> NewOperation {
    NewOperation {
        run_id: run_id.to_owned(),
        host_id,
        op_hash: "=784a97bf1955d5f7a2b9dd6c1e371e17b73c42bc".to_owned(),
        name: name.to_owned(),
        changed: false,
        success: true,
        duration: 0.0997,
        timestamp,
        logs: json!({"stdout": "", "stderr": ""}).into(),
        diff: String::new(),
        arguments: arguments(name),
        retry_stats: json!({"retry_attempts": 0, "max_retries": 0,
            "retry_info": {"retry_attempts": 0, "max_retries": 0, "was_retried": false, "retry_succeeded": null}})
            .into(),
        command_n_facts: Json::empty_list(),
    }
}

/// A fact log of a run, at `timestamp`.
pub fn fact(run_id: &str, timestamp: f64, command: &str) -> NewFactLog {
    NewFactLog {
        run_id: run_id.to_owned(),
        timestamp,
        log_level: "DEBUG".to_owned(),
        context: "fact_gathering".to_owned(),
        command: command.to_owned(),
    }
}

/// A health-check snapshot of a host.
pub fn snapshot(run_id: &str, host_id: HostId, stage: &str, timestamp: f64) -> NewSnapshot {
    NewSnapshot {
        run_id: run_id.to_owned(),
        host_id,
        stage: stage.to_owned(),
        timestamp,
        metrics: json!({"cpu_load_1min": 0.67, "cpu_load_5min": 0.71, "ram_percent": 24.0,
            "ram_used_gb": 3.69, "ram_total_gb": 15.37})
        .into(),
    }
}
