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
use crate::shared::{Ready, Shared};
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
        Call::ReplyAgain {} => Err(LimaniError::invalid(
            "reply_again",
            "limani serve writes no binary replies",
        ))?,
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
    send_line(out, &line)
}

fn send_line<W: Write>(out: &Mutex<W>, line: &str) -> std::io::Result<()> {
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    writeln!(out, "{line}")?;
    out.flush()
}

/// Sends `answer` where its request came from: the shared memory (a reply too long for it
/// on stdout) or stdout.
fn answer<W: Write>(to: Option<&Shared>, out: &Mutex<W>, answer: &Reply) -> std::io::Result<()> {
    let Some(shared) = to else {
        return send(out, answer);
    };
    let line = serde_json::to_string(answer).map_err(std::io::Error::other)?;
    shared.answer(line.as_bytes(), || send_line(out, &line))
}

/// Serves `harbor` on this process's stdin and stdout until `shutdown` or the end of stdin,
/// watching stdin a moment before each read sleeps (a client's next call comes soon), and the
/// memory `$LIMANI_SERVE_SHARED` names, if any (`crate::shared`).
pub fn serve_stdio(harbor: Arc<dyn Limani>, name: &str, revision: Revision) -> std::io::Result<()> {
    // Before any descriptor of this process is made: those the client passed are still theirs.
    let shared = match Shared::from_env() {
        Some(Ok(shared)) => Some(Arc::new(shared)),
        Some(Err(e)) => {
            eprintln!("limani: serve: no shared memory ({e}): the pipes only");
            None
        }
        None => None,
    };
    let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
    let fd = stdin.as_raw_fd();
    let input = BufReader::with_capacity(1 << 16, std::fs::File::from(stdin));
    let watch = Watch { fd, shared };
    serve_on(
        harbor,
        name,
        revision,
        input,
        Some(watch),
        std::io::stdout(),
    )
}

/// What the serving loop watches besides its input's buffer: stdin, and the shared memory.
struct Watch {
    fd: RawFd,
    shared: Option<Arc<Shared>>,
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

/// A request, and the shared memory its reply goes to (else stdout).
type Job = (Request, Option<Arc<Shared>>);

/// The lanes that have a thread of their own, and how many calls those threads hold.
struct Lanes {
    threads: HashMap<u64, mpsc::Sender<Job>>,
    /// Calls handed to a lane thread and not answered yet.
    busy: Arc<AtomicUsize>,
}

fn serve_on<R: Read>(
    harbor: Arc<dyn Limani>,
    name: &str,
    revision: Revision,
    mut input: BufReader<R>,
    watch: Option<Watch>,
    output: impl Write + Send + 'static,
) -> std::io::Result<()> {
    let output = Arc::new(Mutex::new(output));
    let hello = Hello {
        limani_bridge: protocol::VERSION,
        harbor: name.to_owned(),
        create_run: revision,
        pid: Some(std::process::id()),
        lane_sockets: false,
        lane_memory: false,
        lane_marshal: false,
        shared_memory: watch.as_ref().is_some_and(|w| w.shared.is_some()),
    };
    send(&output, &hello)?;
    let mut lanes = Lanes {
        threads: HashMap::new(),
        busy: Arc::new(AtomicUsize::new(0)),
    };
    let mut line = String::new();
    loop {
        let buffered = !input.buffer().is_empty();
        match &watch {
            Some(Watch {
                fd,
                shared: Some(shared),
            }) => {
                if let Ready::Shared = shared.wait(*fd, buffered, WATCH) {
                    let line = shared.request();
                    let line = std::str::from_utf8(&line).map_err(|e| format!("not UTF-8: {e}"));
                    match serve_line(line, Some(shared), &harbor, &mut lanes, &output)? {
                        Some(()) => continue,
                        None => break,
                    }
                }
            }
            Some(Watch { fd, shared: None }) if !buffered => spin_until_readable(*fd, WATCH),
            _ => {}
        }
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if serve_line(Ok(line.trim_end()), None, &harbor, &mut lanes, &output)?.is_none() {
            break;
        }
    }
    Ok(())
}

/// Serves one request line (or what made it unreadable), its reply sent where it came from
/// (`to`: the shared memory, else stdout); `None` after `shutdown`.
fn serve_line<W: Write + Send + 'static>(
    line: std::result::Result<&str, String>,
    to: Option<&Arc<Shared>>,
    harbor: &Arc<dyn Limani>,
    lanes: &mut Lanes,
    output: &Arc<Mutex<W>>,
) -> std::io::Result<Option<()>> {
    let send_back = |done: &Reply| answer(to.map(|s| &**s), output, done);
    let request = match line.map_err(|e| (None, e)).and_then(protocol::read_request) {
        Ok(request) => request,
        Err((id, e)) => {
            let error =
                LimaniError::invalid("request", format!("not a request of the protocol: {e}"));
            send_back(&reply(id, Err(error)))?;
            return Ok(Some(()));
        }
    };
    if let Call::Shutdown {} = request.call {
        send_back(&reply(Some(request.id), Ok(Value::Null)))?;
        return Ok(None);
    }
    // No call running anywhere: this one runs here, at once (every earlier call of its lane
    // has been answered, so the lane's order holds). Else on its lane's thread.
    if lanes.busy.load(Ordering::Acquire) == 0 {
        send_back(&reply(
            Some(request.id),
            dispatch(harbor.as_ref(), request.call),
        ))?;
    } else {
        lanes.hand_over((request, to.cloned()), harbor, output);
    }
    Ok(Some(()))
}

impl Lanes {
    /// Gives `request` to its lane's thread (started on the lane's first such call).
    fn hand_over<W: Write + Send + 'static>(
        &mut self,
        job: Job,
        harbor: &Arc<dyn Limani>,
        output: &Arc<Mutex<W>>,
    ) {
        let jobs = self.threads.entry(job.0.lane).or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let (harbor, output, busy) = (harbor.clone(), output.clone(), self.busy.clone());
            std::thread::spawn(move || {
                for (request, to) in rx {
                    let done = reply(Some(request.id), dispatch(harbor.as_ref(), request.call));
                    let sent = answer(to.as_deref(), &output, &done);
                    busy.fetch_sub(1, Ordering::AcqRel);
                    if sent.is_err() {
                        return;
                    }
                }
            });
            tx
        });
        self.busy.fetch_add(1, Ordering::AcqRel);
        if jobs.send(job).is_err() {
            self.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
