//! The values of the bridge protocol: requests built from the trait's records, results and
//! errors read back into them. Non-finite floats travel as `{"$float": "nan"}`.

use conformance::{
    FactLog, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result, SummaryStats,
};
use serde_json::{json, Map, Value};

/// A float as the protocol writes it.
pub fn float(x: f64) -> Value {
    match x {
        x if x.is_nan() => json!({"$float": "nan"}),
        x if x == f64::INFINITY => json!({"$float": "inf"}),
        x if x == f64::NEG_INFINITY => json!({"$float": "-inf"}),
        x => Value::from(x),
    }
}

/// A float the protocol wrote: a number or a `$float` mark.
pub fn read_float(v: &Value) -> Option<f64> {
    match v.get("$float").and_then(Value::as_str) {
        Some("nan") => Some(f64::NAN),
        Some("inf") => Some(f64::INFINITY),
        Some("-inf") => Some(f64::NEG_INFINITY),
        _ => v.as_f64(),
    }
}

pub fn run(r: &NewRun) -> Value {
    json!({"run": {"run_id": r.run_id, "run_id_human": r.run_id_human, "start_time": float(r.start_time),
        "hailer_info": r.hailer_info, "required_secrets": r.required_secrets}})
}

pub fn operation(o: &NewOperation) -> Value {
    json!({"operation": {"run_id": o.run_id, "host_id": o.host_id, "op_hash": o.op_hash, "name": o.name,
        "changed": o.changed, "success": o.success, "duration": float(o.duration), "timestamp": float(o.timestamp),
        "logs": o.logs, "diff": o.diff, "arguments": o.arguments, "retry_stats": o.retry_stats,
        "command_n_facts": o.command_n_facts}})
}

pub fn snapshot(s: &NewSnapshot) -> Value {
    json!({"snapshot": {"run_id": s.run_id, "host_id": s.host_id, "stage": s.stage,
        "timestamp": float(s.timestamp), "metrics": s.metrics}})
}

pub fn fact_log(f: &NewFactLog) -> Value {
    json!({"fact_log": {"run_id": f.run_id, "timestamp": float(f.timestamp), "log_level": f.log_level,
        "context": f.context, "command": f.command}})
}

fn wrong(call: &str, what: &str, got: &Value) -> LimaniError {
    let mut text = got.to_string();
    if text.len() > 200 {
        text = format!(
            "{}... ({} bytes)",
            text.chars().take(120).collect::<String>(),
            text.len()
        );
    }
    LimaniError::invalid(
        format!("{call} result"),
        format!("expected {what}, got {text}"),
    )
}

pub fn fact_rows(call: &str, v: &Value) -> Result<Vec<FactLog>> {
    let rows = v
        .as_array()
        .ok_or_else(|| wrong(call, "a list of fact rows", v))?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| conformance::rows::fact_from_row(&format!("{call}[{i}]"), row))
        .collect()
}

pub fn summary(call: &str, v: &Value) -> Result<SummaryStats> {
    let count = |key: &str| {
        v.get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| wrong(call, &format!("an integer {key}"), v))
    };
    Ok(SummaryStats {
        total_operations: count("total_operations")?,
        changed_operations: count("changed_operations")?,
        successful_operations: count("successful_operations")?,
        failed_operations: count("failed_operations")?,
        total_duration: v
            .get("total_duration")
            .filter(|d| !d.is_number() || d.to_string().contains(['.', 'e', 'E']))
            .and_then(read_float)
            .ok_or_else(|| wrong(call, "a float total_duration (0.0, not 0 or null)", v))?,
    })
}

/// A protocol error as the trait's error; `params` give the run and host it was about.
pub fn error(call: &str, params: &Value, e: &Map<String, Value>) -> LimaniError {
    let field = |k: &str| {
        e.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let run_id = params
        .pointer("/run_id")
        .or_else(|| params.pointer("/run/run_id"))
        .or_else(|| params.pointer("/operation/run_id"))
        .or_else(|| params.pointer("/snapshot/run_id"))
        .or_else(|| params.pointer("/fact_log/run_id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let message = format!("{}: {}", field("type"), field("message"));
    match field("kind").as_str() {
        "unknown_run" => LimaniError::UnknownRun { run_id },
        "unknown_host" => LimaniError::UnknownHost {
            run_id,
            host_id: params
                .pointer("/operation/host_id")
                .or_else(|| params.pointer("/snapshot/host_id"))
                .and_then(Value::as_i64)
                .unwrap_or(-1),
        },
        "duplicate_run" => LimaniError::DuplicateRun { run_id },
        "invalid_status" => LimaniError::InvalidStatus {
            status: params
                .pointer("/status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        "invalid_value" => LimaniError::invalid(call, message),
        _ => {
            let trace = field("traceback");
            let trace = trace
                .lines()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            LimaniError::storage_message(
                call,
                if trace.is_empty() {
                    message
                } else {
                    format!("{message}\n{trace}")
                },
            )
        }
    }
}

/// The protocol's error object for a trait error (the serving side).
pub fn error_object(e: &LimaniError) -> Value {
    json!({"type": format!("{:?}", e.kind()), "kind": e.kind().as_str(), "message": e.to_string(), "traceback": ""})
}
