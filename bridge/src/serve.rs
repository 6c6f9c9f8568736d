//! Serving any harbor over the bridge protocol (`limani serve`): one thread per lane,
//! replies written as they are ready.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{mpsc, Arc, Mutex};

use conformance::{
    Json, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result, Revision,
};
use serde_json::{json, Value};

use crate::wire::{self, read_float};

fn field<'a>(params: &'a Value, path: &str) -> Result<&'a Value> {
    params
        .pointer(path)
        .ok_or_else(|| LimaniError::invalid(path, "missing from the request"))
}

fn text(params: &Value, path: &str) -> Result<String> {
    field(params, path)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| LimaniError::invalid(path, "expected a string"))
}

fn float(params: &Value, path: &str) -> Result<f64> {
    read_float(field(params, path)?).ok_or_else(|| LimaniError::invalid(path, "expected a number"))
}

fn int(params: &Value, path: &str) -> Result<i64> {
    field(params, path)?
        .as_i64()
        .ok_or_else(|| LimaniError::invalid(path, "expected an integer"))
}

fn flag(params: &Value, path: &str) -> Result<bool> {
    field(params, path)?
        .as_bool()
        .ok_or_else(|| LimaniError::invalid(path, "expected a boolean"))
}

/// A payload: JSON text, as the kit sends it.
fn json_at(params: &Value, path: &str) -> Result<Json> {
    let text = field(params, path)?
        .as_str()
        .ok_or_else(|| LimaniError::invalid(path, "expected JSON text"))?;
    Json::new(text).map_err(|e| LimaniError::invalid(path, e.to_string()))
}

/// Runs one request on the harbor.
pub fn dispatch(harbor: &dyn Limani, method: &str, p: &Value) -> Result<Value> {
    Ok(match method {
        "connect" => harbor.connect().map(|()| Value::Null)?,
        "disconnect" => harbor.disconnect().map(|()| Value::Null)?,
        "init_db" => harbor.init_db().map(|()| Value::Null)?,
        "create_run" => {
            let secrets =
                match field(p, "/run/required_secrets")? {
                    Value::Null => None,
                    list => Some(serde_json::from_value(list.clone()).map_err(|e| {
                        LimaniError::invalid("/run/required_secrets", e.to_string())
                    })?),
                };
            let run = NewRun {
                run_id: text(p, "/run/run_id")?,
                run_id_human: text(p, "/run/run_id_human")?,
                start_time: float(p, "/run/start_time")?,
                hailer_info: json_at(p, "/run/hailer_info")?,
                required_secrets: secrets,
            };
            Value::String(harbor.create_run(&run)?)
        }
        "start_update_run" => harbor
            .start_update_run(&text(p, "/run_id")?, &text(p, "/status")?)
            .map(|()| Value::Null)?,
        "end_run_update" => harbor
            .end_run_update(
                &text(p, "/run_id")?,
                float(p, "/end_time")?,
                &text(p, "/status")?,
                &json_at(p, "/summary")?,
            )
            .map(|()| Value::Null)?,
        "get_or_create_host" => {
            Value::from(harbor.get_or_create_host(&text(p, "/run_id")?, &text(p, "/host_name")?)?)
        }
        "insert_operation" => {
            let o = |k: &str| format!("/operation/{k}");
            let op = NewOperation {
                run_id: text(p, &o("run_id"))?,
                host_id: int(p, &o("host_id"))?,
                op_hash: text(p, &o("op_hash"))?,
                name: text(p, &o("name"))?,
                changed: flag(p, &o("changed"))?,
                success: flag(p, &o("success"))?,
                duration: float(p, &o("duration"))?,
                timestamp: float(p, &o("timestamp"))?,
                logs: json_at(p, &o("logs"))?,
                diff: text(p, &o("diff"))?,
                arguments: json_at(p, &o("arguments"))?,
                retry_stats: json_at(p, &o("retry_stats"))?,
                command_n_facts: json_at(p, &o("command_n_facts"))?,
            };
            harbor.insert_operation(&op).map(|()| Value::Null)?
        }
        "insert_snapshot" => {
            let snapshot = NewSnapshot {
                run_id: text(p, "/snapshot/run_id")?,
                host_id: int(p, "/snapshot/host_id")?,
                stage: text(p, "/snapshot/stage")?,
                timestamp: float(p, "/snapshot/timestamp")?,
                metrics: json_at(p, "/snapshot/metrics")?,
            };
            harbor.insert_snapshot(&snapshot).map(|()| Value::Null)?
        }
        "insert_fact_log" => {
            let fact = NewFactLog {
                run_id: text(p, "/fact_log/run_id")?,
                timestamp: float(p, "/fact_log/timestamp")?,
                log_level: text(p, "/fact_log/log_level")?,
                context: text(p, "/fact_log/context")?,
                command: text(p, "/fact_log/command")?,
            };
            harbor.insert_fact_log(&fact).map(|()| Value::Null)?
        }
        "get_facts_for_timespan" => {
            let rows = harbor.get_facts_for_timespan(
                &text(p, "/run_id")?,
                float(p, "/start_time")?,
                float(p, "/end_time")?,
            )?;
            Value::Array(rows.iter().map(conformance::rows::fact_row).collect())
        }
        "get_run_summary_stats" => {
            let s = harbor.get_run_summary_stats(&text(p, "/run_id")?)?;
            json!({"total_operations": s.total_operations, "changed_operations": s.changed_operations,
                "successful_operations": s.successful_operations, "failed_operations": s.failed_operations,
                "total_duration": wire::float(s.total_duration)})
        }
        "get_run_data" => harbor
            .get_run_data(&text(p, "/run_id")?)?
            .map_or(Value::Null, |d| conformance::rows::to_rows(&d)),
        "logbook_status" => match harbor.status_through_connect(&text(p, "/run_id")?) {
            None => json!({"offered": false}),
            Some(status) => Value::from(status?),
        },
        other => {
            return Err(LimaniError::invalid(
                "method",
                format!("unknown method {other:?}"),
            ))
        }
    })
}

fn send<W: Write>(out: &Mutex<W>, message: Value) -> std::io::Result<()> {
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    writeln!(out, "{message}")?;
    out.flush()
}

/// Serves `harbor` until `shutdown` or the end of input.
pub fn serve(
    harbor: Arc<dyn Limani>,
    name: &str,
    revision: Revision,
    input: impl BufRead,
    output: impl Write + Send + 'static,
) -> std::io::Result<()> {
    let output = Arc::new(Mutex::new(output));
    let revision = match revision {
        Revision::Seed => "seed",
        Revision::Chaos07 => "chaos07",
    };
    send(
        &output,
        json!({"limani_bridge": 1, "harbor": name, "create_run": revision, "pid": std::process::id()}),
    )?;
    let mut lanes: HashMap<u64, mpsc::Sender<Value>> = HashMap::new();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                let error = wire::error_object(&LimaniError::invalid(
                    "request",
                    format!("not a JSON line: {e}"),
                ));
                send(&output, json!({"id": null, "error": error}))?;
                continue;
            }
        };
        if request.get("method").and_then(Value::as_str) == Some("shutdown") {
            send(&output, json!({"id": request.get("id"), "ok": null}))?;
            break;
        }
        let lane = request.get("lane").and_then(Value::as_u64).unwrap_or(0);
        let jobs = lanes.entry(lane).or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Value>();
            let (harbor, output) = (harbor.clone(), output.clone());
            std::thread::spawn(move || {
                for request in rx {
                    let method = request
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let params = request.get("params").cloned().unwrap_or(Value::Null);
                    let reply = match dispatch(harbor.as_ref(), method, &params) {
                        Ok(ok) => json!({"id": request.get("id"), "ok": ok}),
                        Err(e) => json!({"id": request.get("id"), "error": wire::error_object(&e)}),
                    };
                    if send(&output, reply).is_err() {
                        return;
                    }
                }
            });
            tx
        });
        let _ = jobs.send(request);
    }
    Ok(())
}
