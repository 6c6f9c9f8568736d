//! Serving any harbor over the bridge protocol (`limani serve`): a call that finds no other call
//! running is answered at once by the reading thread; the others on a thread per lane, replies
//! written as they are ready.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use conformance::{Limani, LimaniError, Result, Revision};
use serde_json::{json, Value};

use crate::fds::spin_until_readable;
use crate::protocol::{self, Call, Hello, Outcome, Reply, Request, Summary};
use crate::wire;

/// How long the serving side watches stdin after a reply: a Logbook's next call comes within
/// its own Python work (a few hundred microseconds), and a sleeping thread wakes later than that.
const WATCH: std::time::Duration = std::time::Duration::from_millis(1);

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
            Value::Array(rows.iter().map(limani_fixtures::rows::fact_row).collect())
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
            .map_or(Value::Null, |d| limani_fixtures::rows::to_rows(&d)),
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

/// Serves `harbor` on this process's stdin and stdout until `shutdown` or the end of stdin,
/// watching stdin a moment before each read sleeps (a client's next call comes soon).
pub fn serve_stdio(harbor: Arc<dyn Limani>, name: &str, revision: Revision) -> std::io::Result<()> {
    let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
    let fd = stdin.as_raw_fd();
    let input = BufReader::with_capacity(1 << 16, std::fs::File::from(stdin));
    serve_on(harbor, name, revision, input, Some(fd), std::io::stdout())
}

/// Serves `harbor` until `shutdown` or the end of input.
pub fn serve(
    harbor: Arc<dyn Limani>,
    name: &str,
    revision: Revision,
    input: impl Read,
    output: impl Write + Send + 'static,
) -> std::io::Result<()> {
    serve_on(harbor, name, revision, BufReader::new(input), None, output)
}

/// The lanes that have a thread of their own, and how many calls those threads hold.
struct Lanes {
    threads: HashMap<u64, mpsc::Sender<Request>>,
    /// Calls handed to a lane thread and not answered yet.
    busy: Arc<AtomicUsize>,
}

fn serve_on<R: Read>(
    harbor: Arc<dyn Limani>,
    name: &str,
    revision: Revision,
    mut input: BufReader<R>,
    watch: Option<RawFd>,
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
    let mut lanes = Lanes {
        threads: HashMap::new(),
        busy: Arc::new(AtomicUsize::new(0)),
    };
    let mut line = String::new();
    loop {
        if let (Some(fd), true) = (watch, input.buffer().is_empty()) {
            spin_until_readable(fd, WATCH);
        }
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = match protocol::read_request(line.trim_end()) {
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
        // No call running anywhere: this one runs here, at once (every earlier call of its lane
        // has been answered, so the lane's order holds). Else on its lane's thread.
        if lanes.busy.load(Ordering::Acquire) == 0 {
            let answer = reply(Some(request.id), dispatch(harbor.as_ref(), request.call));
            send(&output, &answer)?;
            continue;
        }
        lanes.hand_over(request, &harbor, &output);
    }
    Ok(())
}

impl Lanes {
    /// Gives `request` to its lane's thread (started on the lane's first such call).
    fn hand_over<W: Write + Send + 'static>(
        &mut self,
        request: Request,
        harbor: &Arc<dyn Limani>,
        output: &Arc<Mutex<W>>,
    ) {
        let jobs = self.threads.entry(request.lane).or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Request>();
            let (harbor, output, busy) = (harbor.clone(), output.clone(), self.busy.clone());
            std::thread::spawn(move || {
                for request in rx {
                    let answer = reply(Some(request.id), dispatch(harbor.as_ref(), request.call));
                    let sent = send(&output, &answer);
                    busy.fetch_sub(1, Ordering::AcqRel);
                    if sent.is_err() {
                        return;
                    }
                }
            });
            tx
        });
        self.busy.fetch_add(1, Ordering::AcqRel);
        if jobs.send(request).is_err() {
            self.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
