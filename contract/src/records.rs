//! The Logbook's records, as a harbor receives them and as it gives them back.
//! Field names are Ch-rima's columns; JSON payloads are [`Json`], their text kept as given.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{LimaniError, Result};
use crate::json::Json;

/// A host id as `get_or_create_host` returns it.
pub type HostId = i64;

/// The status of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    InProgress,
    Success,
    Failure,
}

impl RunStatus {
    /// Every status a run may have.
    pub const ALL: [RunStatus; 3] = [
        RunStatus::InProgress,
        RunStatus::Success,
        RunStatus::Failure,
    ];

    /// The status as the Logbook writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::InProgress => "in_progress",
            RunStatus::Success => "success",
            RunStatus::Failure => "failure",
        }
    }

    /// Parses a status the Logbook sent; anything else is [`LimaniError::InvalidStatus`].
    pub fn parse(status: &str) -> Result<Self> {
        RunStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .ok_or_else(|| LimaniError::InvalidStatus {
                status: status.to_owned(),
            })
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run as `create_run` receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    pub run_id: String,
    pub run_id_human: String,
    pub start_time: f64,
    pub hailer_info: Json,
    /// Ch-aOS 0.7's `needed_secrets`; `None` when the seed revision is driven.
    pub required_secrets: Option<BTreeSet<String>>,
}

/// An operation as `insert_operation` receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewOperation {
    pub run_id: String,
    pub host_id: HostId,
    pub op_hash: String,
    pub name: String,
    pub changed: bool,
    pub success: bool,
    pub duration: f64,
    pub timestamp: f64,
    pub logs: Json,
    pub diff: String,
    pub arguments: Json,
    pub retry_stats: Json,
    pub command_n_facts: Json,
}

/// A resource snapshot as `insert_snapshot` receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewSnapshot {
    pub run_id: String,
    pub host_id: HostId,
    pub stage: String,
    pub timestamp: f64,
    pub metrics: Json,
}

/// A fact log as `insert_fact_log` receives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewFactLog {
    pub run_id: String,
    pub timestamp: f64,
    pub log_level: String,
    pub context: String,
    pub command: String,
}

/// A stored fact log, as timespan reads and run data return it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactLog {
    pub id: i64,
    pub run_id: String,
    pub timestamp: f64,
    pub log_level: Option<String>,
    pub context: Option<String>,
    pub command: Option<String>,
}

/// What `get_run_summary_stats` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryStats {
    pub total_operations: i64,
    pub changed_operations: i64,
    pub successful_operations: i64,
    pub failed_operations: i64,
    pub total_duration: f64,
}

/// The `run` part of run data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub run_id_human: String,
    pub start_time: f64,
    pub end_time: Option<f64>,
    pub status: RunStatus,
    /// `summary_json`: `None` until `end_run_update`.
    pub summary: Option<Json>,
    /// `hailer_json`.
    pub hailer: Option<Json>,
    pub required_secrets: Option<BTreeSet<String>>,
}

/// A stored operation, as run data lists it under its host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationRecord {
    pub id: i64,
    pub run_id: String,
    pub host_id: HostId,
    pub op_hash: Option<String>,
    pub name: String,
    pub changed: bool,
    pub success: bool,
    pub duration: f64,
    pub timestamp: f64,
    pub logs: Option<Json>,
    pub diff: Option<String>,
    pub arguments: Option<Json>,
    pub retry_stats: Option<Json>,
    /// `command_n_facts_in_order_json`.
    pub command_n_facts: Option<Json>,
}

/// A host of a run, with its operations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostRecord {
    pub id: HostId,
    pub run_id: String,
    pub name: String,
    /// `summary_json`: nothing in the Logbook writes it.
    pub summary: Option<Json>,
    pub operations: Vec<OperationRecord>,
}

/// A stored resource snapshot, with its host's name joined in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub id: i64,
    pub run_id: String,
    pub host_id: HostId,
    pub stage: Option<String>,
    pub timestamp: f64,
    pub metrics: Option<Json>,
    pub host_name: String,
}

/// What `get_run_data` returns for a known run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    pub run: RunRecord,
    pub hosts: Vec<HostRecord>,
    pub snapshots: Vec<SnapshotRecord>,
    pub fact_logs: Vec<FactLog>,
}

impl NewOperation {
    /// The record a harbor stores for this operation under `id`.
    pub fn stored(&self, id: i64) -> OperationRecord {
        OperationRecord {
            id,
            run_id: self.run_id.clone(),
            host_id: self.host_id,
            op_hash: Some(self.op_hash.clone()),
            name: self.name.clone(),
            changed: self.changed,
            success: self.success,
            duration: self.duration,
            timestamp: self.timestamp,
            logs: Some(self.logs.clone()),
            diff: Some(self.diff.clone()),
            arguments: Some(self.arguments.clone()),
            retry_stats: Some(self.retry_stats.clone()),
            command_n_facts: Some(self.command_n_facts.clone()),
        }
    }
}

impl NewFactLog {
    /// The row a harbor stores for this fact log under `id`.
    pub fn stored(&self, id: i64) -> FactLog {
        FactLog {
            id,
            run_id: self.run_id.clone(),
            timestamp: self.timestamp,
            log_level: Some(self.log_level.clone()),
            context: Some(self.context.clone()),
            command: Some(self.command.clone()),
        }
    }
}

/// Which `create_run` a harbor implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revision {
    /// `create_run(run_id, run_id_human, start_time, hailer_info)`.
    Seed,
    /// Ch-aOS 0.7: a fifth argument, the set of secrets the run needed.
    Chaos07,
}

/// `required_secrets` as a store keeps it: a JSON list of the names, sorted.
pub fn secrets_to_json(secrets: &BTreeSet<String>) -> Json {
    serde_json::Value::from(secrets.iter().cloned().collect::<Vec<_>>()).into()
}

/// Reads `required_secrets` back: a JSON list of names, in any order.
pub fn secrets_from_json(json: &Json) -> Result<BTreeSet<String>> {
    let wrong = || {
        LimaniError::invalid(
            "required_secrets",
            format!("expected a JSON list of names, got {json}"),
        )
    };
    let crate::Exact::List(items) = json.parse() else {
        return Err(wrong());
    };
    (items.into_iter())
        .map(|item| match item {
            crate::Exact::Str(name) => Ok(name),
            _ => Err(wrong()),
        })
        .collect()
}
