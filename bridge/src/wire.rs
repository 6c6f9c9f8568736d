//! Reading the harbor's answers into the trait's values: results by method, errors by kind.

use conformance::{FactLog, LimaniError, Result, SummaryStats};
use serde_json::Value;

use crate::protocol::{self, Call, ErrorObject, Summary};

fn wrong(call: &str, what: &str, got: &Value) -> LimaniError {
    let text = conformance::toolkit::shorten(&got.to_string(), 120, 0);
    LimaniError::invalid(
        format!("{call} result"),
        format!("expected {what}, got {text}"),
    )
}

/// `get_facts_for_timespan`'s rows, each named by its index when it is of the wrong shape.
pub fn fact_rows(call: &str, v: &Value) -> Result<Vec<FactLog>> {
    let rows = v
        .as_array()
        .ok_or_else(|| wrong(call, "a list of fact rows", v))?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| limani_fixtures::rows::fact_from_row(&format!("{call}[{i}]"), row))
        .collect()
}

/// `get_run_summary_stats`'s dict; a value of the wrong kind is named by its key.
pub fn summary(call: &str, v: Value) -> Result<SummaryStats> {
    let s: Summary =
        protocol::read_value(v).map_err(|e| LimaniError::invalid(format!("{call} result"), e))?;
    Ok(SummaryStats {
        total_operations: s.total_operations,
        changed_operations: s.changed_operations,
        successful_operations: s.successful_operations,
        failed_operations: s.failed_operations,
        total_duration: s.total_duration,
    })
}

/// A protocol error as the trait's error, with the run (and host, status) of its call.
pub fn error(call: &Call, e: &ErrorObject) -> LimaniError {
    let method = call.method();
    let run_id = call.run_id().to_owned();
    let message = format!("{}: {}", e.type_name, e.message);
    match e.kind.as_str() {
        "unknown_run" => LimaniError::UnknownRun { run_id },
        "unknown_host" => LimaniError::UnknownHost {
            run_id,
            host_id: match call {
                Call::InsertOperation { operation } => operation.host_id,
                Call::InsertSnapshot { snapshot } => snapshot.host_id,
                _ => -1,
            },
        },
        "duplicate_run" => LimaniError::DuplicateRun { run_id },
        "invalid_status" => LimaniError::InvalidStatus {
            status: match call {
                Call::StartUpdateRun { status, .. } | Call::EndRunUpdate { status, .. } => {
                    status.clone()
                }
                _ => String::new(),
            },
        },
        "invalid_value" => LimaniError::invalid(method, message),
        _ => {
            let trace: Vec<&str> = e.traceback.lines().rev().take(6).collect();
            let trace: Vec<&str> = trace.into_iter().rev().collect();
            LimaniError::storage_message(
                method,
                match trace.is_empty() {
                    true => message,
                    false => format!("{message}\n{}", trace.join("\n")),
                },
            )
        }
    }
}

/// The protocol's error object for a trait error (the serving side).
pub fn error_object(e: &LimaniError) -> ErrorObject {
    ErrorObject {
        type_name: format!("{:?}", e.kind()),
        kind: e.kind().as_str().to_owned(),
        message: e.to_string(),
        traceback: String::new(),
    }
}
