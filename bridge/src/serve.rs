//! Serving any harbor over the bridge protocol (`limani serve`): one thread per lane,
//! replies written as they are ready.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{mpsc, Arc, Mutex};

use conformance::{Limani, LimaniError, Result, Revision};
use serde_json::{json, Value};

use crate::protocol::{self, Call, Hello, Outcome, Reply, Request, Summary};
use crate::wire;

/// Runs one call on the harbor; its result as the protocol writes it.
pub fn dispatch(harbor: &dyn Limani, call: Call) -> Result<Value> {
    Ok(match call {
        Call::Connect {} => harbor.connect().map(|()| Value::Null)?,
        Call::Disconnect {} => harbor.disconnect().map(|()| Value::Null)?,
        Call::InitDb {} => harbor.init_db().map(|()| Value::Null)?,
        Call::Shutdown {} => Value::Null,
        Call::CreateRun { run } => Value::String(harbor.create_run(&run)?),
        Call::StartUpdateRun { run_id, status } => harbor
            .start_update_run(&run_id, &status)
            .map(|()| Value::Null)?,
        Call::EndRunUpdate {
            run_id,
            end_time,
            status,
            summary,
        } => harbor
            .end_run_update(&run_id, end_time, &status, &summary)
            .map(|()| Value::Null)?,
        Call::GetOrCreateHost { run_id, host_name } => {
            Value::from(harbor.get_or_create_host(&run_id, &host_name)?)
        }
        Call::InsertOperation { operation } => {
            harbor.insert_operation(&operation).map(|()| Value::Null)?
        }
        Call::InsertSnapshot { snapshot } => {
            harbor.insert_snapshot(&snapshot).map(|()| Value::Null)?
        }
        Call::InsertFactLog { fact_log } => {
            harbor.insert_fact_log(&fact_log).map(|()| Value::Null)?
        }
        Call::GetFactsForTimespan {
            run_id,
            start_time,
            end_time,
        } => {
            let rows = harbor.get_facts_for_timespan(&run_id, start_time, end_time)?;
            Value::Array(rows.iter().map(conformance::rows::fact_row).collect())
        }
        Call::GetRunSummaryStats { run_id } => {
            let s = harbor.get_run_summary_stats(&run_id)?;
            let summary = Summary {
                total_operations: s.total_operations,
                changed_operations: s.changed_operations,
                successful_operations: s.successful_operations,
                failed_operations: s.failed_operations,
                total_duration: s.total_duration,
            };
            serde_json::to_value(summary)
                .map_err(|e| LimaniError::invalid("summary", e.to_string()))?
        }
        Call::GetRunData { run_id } => harbor
            .get_run_data(&run_id)?
            .map_or(Value::Null, |d| conformance::rows::to_rows(&d)),
        Call::LogbookStatus { run_id } => match harbor.status_through_connect(&run_id) {
            None => json!({"offered": false}),
            Some(status) => Value::from(status?),
        },
    })
}

fn reply(id: Option<u64>, result: Result<Value>) -> Reply {
    let outcome = match result {
        Ok(value) => Outcome::Ok(value),
        Err(e) => Outcome::Error(wire::error_object(&e)),
    };
    Reply { id, outcome }
}

fn send<W: Write>(out: &Mutex<W>, message: &impl serde::Serialize) -> std::io::Result<()> {
    let line = serde_json::to_string(message).map_err(std::io::Error::other)?;
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    writeln!(out, "{line}")?;
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
    let hello = Hello {
        limani_bridge: protocol::VERSION,
        harbor: name.to_owned(),
        create_run: revision,
        pid: Some(std::process::id()),
        lane_sockets: false,
    };
    send(&output, &hello)?;
    let mut lanes: HashMap<u64, mpsc::Sender<Request>> = HashMap::new();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = match protocol::read_request(&line) {
            Ok(request) => request,
            Err((id, e)) => {
                let error =
                    LimaniError::invalid("request", format!("not a request of the protocol: {e}"));
                send(&output, &reply(id, Err(error)))?;
                continue;
            }
        };
        if let Call::Shutdown {} = request.call {
            send(&output, &reply(Some(request.id), Ok(Value::Null)))?;
            break;
        }
        let jobs = lanes.entry(request.lane).or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Request>();
            let (harbor, output) = (harbor.clone(), output.clone());
            std::thread::spawn(move || {
                for request in rx {
                    let answer = reply(Some(request.id), dispatch(harbor.as_ref(), request.call));
                    if send(&output, &answer).is_err() {
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
