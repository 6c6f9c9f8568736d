//! `ProcessLimani`: a harbor in another process, driven over the bridge protocol.
//! Many kit threads share one pipe; each kit thread has its own lane in the harbor.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

use conformance::{
    FactLog, HostId, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    Revision, RunData, SummaryStats,
};
use serde_json::Value;

use crate::protocol::{self, Call, ErrorObject, Hello, Outcome, Reply, Request};
use crate::{lines, wire};

/// How many lines of the harbor's stderr a diagnosis shows.
const STDERR_LINES: usize = 15;

/// How to start a harbor process.
#[derive(Clone, Debug)]
pub struct HarborCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// How long one call may take before it fails as a timeout.
    pub call_timeout: Duration,
    /// How long the harbor may take to start and send its handshake.
    pub start_timeout: Duration,
    /// How messages show the command, when its arguments are not for a person's eyes.
    pub label: Option<String>,
}

impl HarborCommand {
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        HarborCommand {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            call_timeout: Duration::from_secs(30),
            start_timeout: Duration::from_secs(30),
            label: None,
        }
    }

    /// The command as a shell would show it (or its label).
    pub fn shown(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

type Answer = std::result::Result<Value, ErrorObject>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the reader thread and the callers share.
#[derive(Default)]
struct Shared {
    pending: Mutex<HashMap<u64, mpsc::Sender<Answer>>>,
    /// Why the harbor can no longer answer, once it cannot.
    gone: Mutex<Option<String>>,
    stderr: Mutex<VecDeque<String>>,
}

impl Shared {
    fn stderr_tail(&self) -> String {
        let lines = lock(&self.stderr);
        match lines.is_empty() {
            true => "(nothing on stderr)".to_owned(),
            false => lines.iter().cloned().collect::<Vec<_>>().join("\n"),
        }
    }
}

/// A harbor served by another process.
pub struct ProcessLimani {
    name: String,
    revision: Revision,
    command: HarborCommand,
    child: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    /// This harbor's number, for the lanes its kit threads hold.
    instance: u64,
    /// Lanes whose kit thread has ended, to be given again.
    free_lanes: Arc<Mutex<Vec<u64>>>,
    next_lane: AtomicU64,
}

impl ProcessLimani {
    /// Starts the harbor process and reads its handshake.
    pub fn spawn(command: &HarborCommand) -> Result<Self> {
        // Its own process group: a kill reaches whatever the harbor started (a shell's children too).
        let mut child = Command::new(&command.program)
            .process_group(0)
            .args(&command.args)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                LimaniError::storage_message(
                    "spawn",
                    format!("cannot start `{}`: {e}", command.shown()),
                )
            })?;
        lock(&LIVE_GROUPS).push(child.id());
        let shared = Arc::new(Shared::default());
        let (stdout, stderr) = (
            child.stdout.take().expect("piped stdout"),
            child.stderr.take().expect("piped stderr"),
        );
        let tail = shared.clone();
        let mut stderr_reader = Some(std::thread::spawn(move || {
            let mut stderr = BufReader::new(stderr);
            while let Some(line) = lines::stderr_line(&mut stderr, lines::STDERR_LINE_CAP) {
                let mut lines = lock(&tail.stderr);
                lines.push_back(line);
                if lines.len() > STDERR_LINES {
                    lines.pop_front();
                }
            }
        }));
        let (hello_tx, hello_rx) = mpsc::channel();
        let reader = shared.clone();
        std::thread::spawn(move || read_replies(BufReader::new(stdout), &reader, hello_tx));
        let mut fail = |why: String| {
            // Reap the process and read its stderr to the end, so the diagnosis is whole.
            kill_group(&child);
            let _ = child.kill();
            let _ = child.wait();
            // (a grandchild may hold stderr open: wait a moment, not for ever)
            if let Some(reader) = stderr_reader.take() {
                for _ in 0..20 {
                    if reader.is_finished() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
            }
            LimaniError::storage_message(
                "spawn",
                format!(
                    "`{}` {why}\nits stderr:\n{}",
                    command.shown(),
                    shared.stderr_tail()
                ),
            )
        };
        let hello: Hello = match hello_rx.recv_timeout(command.start_timeout) {
            Ok(hello) => hello,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(fail(format!(
                    "sent no handshake within {:?}",
                    command.start_timeout
                )))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = match lock(&shared.gone).clone() {
                    Some(why) if why.contains("not a JSON handshake") => why,
                    _ => "exited before its handshake".to_owned(),
                };
                return Err(fail(why));
            }
        };
        if hello.limani_bridge != protocol::VERSION {
            return Err(fail(format!(
                "speaks protocol version {}, not {}",
                hello.limani_bridge,
                protocol::VERSION
            )));
        }
        Ok(ProcessLimani {
            name: hello.harbor,
            revision: hello.create_run,
            command: command.clone(),
            stdin: Mutex::new(child.stdin.take()),
            child: Mutex::new(child),
            shared,
            next_id: AtomicU64::new(1),
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            free_lanes: Arc::default(),
            next_lane: AtomicU64::new(0),
        })
    }

    /// The harbor's name, from its handshake.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The harbor process's id.
    pub fn pid(&self) -> u32 {
        lock(&self.child).id()
    }

    /// The `create_run` revision the harbor has, from its handshake.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Kills the harbor process at once (SIGKILL), as a crash would.
    pub fn kill(&self) {
        let mut child = lock(&self.child);
        kill_group(&child);
        let _ = child.kill();
    }

    /// The calling thread's lane: its own while it lives, given to another thread after it ends,
    /// so the harbor keeps as many threads (and connections) as the kit has at once.
    fn lane(&self) -> u64 {
        HELD_LANES.with(|held| {
            let mut held = held.borrow_mut();
            held.retain(|h| h.free.strong_count() > 0);
            if let Some(h) = held.iter().find(|h| h.instance == self.instance) {
                return h.lane;
            }
            let lane = lock(&self.free_lanes)
                .pop()
                .unwrap_or_else(|| self.next_lane.fetch_add(1, Ordering::Relaxed));
            held.push(LaneHold {
                instance: self.instance,
                lane,
                free: Arc::downgrade(&self.free_lanes),
                stuck: false,
            });
            lane
        })
    }

    fn gone(&self, call: &str) -> LimaniError {
        let why = lock(&self.shared.gone)
            .clone()
            .unwrap_or_else(|| "the harbor process stopped answering".to_owned());
        let status = lock(&self.child)
            .try_wait()
            .ok()
            .flatten()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        LimaniError::storage_message(
            call,
            format!(
                "{why}{status}\nlast lines of its stderr:\n{}",
                self.shared.stderr_tail()
            ),
        )
    }

    fn call(&self, call: Call) -> Result<Value> {
        let method = call.method();
        if lock(&self.shared.gone).is_some() {
            return Err(self.gone(method));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.pending).insert(id, tx);
        let request = Request {
            id,
            lane: self.lane(),
            call,
        };
        let line = serde_json::to_string(&request)
            .map_err(|e| LimaniError::invalid(method, format!("cannot be sent: {e}")))?;
        let written = match lock(&self.stdin).as_mut() {
            Some(stdin) => stdin
                .write_all(line.as_bytes())
                .and_then(|()| stdin.write_all(b"\n"))
                .and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("stdin closed")),
        };
        if let Err(e) = written {
            lock(&self.shared.pending).remove(&id);
            lock(&self.shared.gone)
                .get_or_insert_with(|| format!("the harbor process closed its input: {e}"));
            return Err(self.gone(method));
        }
        match rx.recv_timeout(self.command.call_timeout) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(wire::error(&request.call, &error)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                lock(&self.shared.pending).remove(&id);
                abandon_lane(self.instance);
                Err(LimaniError::Timeout {
                    call: format!("{method} (harbor process {})", self.name),
                    after: self.command.call_timeout,
                })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.gone(method)),
        }
    }

    fn unit(&self, call: Call) -> Result<()> {
        self.call(call).map(drop)
    }
}

static INSTANCES: AtomicU64 = AtomicU64::new(0);

/// A lane held by a kit thread; it goes back to its harbor's free lanes when the thread ends,
/// unless a call of it is still running in the harbor (`stuck`): then it is never given again.
struct LaneHold {
    instance: u64,
    lane: u64,
    free: std::sync::Weak<Mutex<Vec<u64>>>,
    stuck: bool,
}

impl Drop for LaneHold {
    fn drop(&mut self) {
        if let (false, Some(free)) = (self.stuck, self.free.upgrade()) {
            lock(&free).push(self.lane);
        }
    }
}

/// Gives up the calling thread's lane of `instance`, whose call timed out and still runs in the
/// harbor: the thread's next call takes a fresh lane rather than queue behind it.
fn abandon_lane(instance: u64) {
    HELD_LANES.with(|held| {
        let mut held = held.borrow_mut();
        if let Some(i) = held.iter().position(|h| h.instance == instance) {
            let mut hold = held.remove(i);
            hold.stuck = true;
        }
    });
}

thread_local! {
    static HELD_LANES: std::cell::RefCell<Vec<LaneHold>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads the handshake, then every reply, handing each to its caller.
fn read_replies(mut stdout: impl BufRead, shared: &Shared, hello: mpsc::Sender<Hello>) {
    let mut next = || lines::protocol_line(&mut stdout, lines::PROTOCOL_LINE_CAP);
    match next() {
        Some(Ok(first)) => match protocol::read::<Hello>(&first) {
            Ok(value) => drop(hello.send(value)),
            Err(e) => {
                let shown = conformance::toolkit::shorten(&first, 200, 0);
                *lock(&shared.gone) = Some(format!(
                    "its first line was not a JSON handshake ({e}): {shown}"
                ))
            }
        },
        Some(Err(why)) => *lock(&shared.gone) = Some(why),
        None => {}
    }
    drop(hello); // the caller stops waiting for a handshake now
    while let Some(line) = next() {
        let line = match line {
            Ok(line) => line,
            Err(why) => {
                *lock(&shared.gone) = Some(why);
                break;
            }
        };
        let reply: Reply = match protocol::read(&line) {
            Ok(reply) => reply,
            Err(e) => {
                let shown = conformance::toolkit::shorten(&line, 200, 0);
                *lock(&shared.gone) = Some(format!(
                    "the harbor wrote a line that is not a protocol reply ({e}): {shown}"
                ));
                break;
            }
        };
        let Some(caller) = reply.id.and_then(|id| lock(&shared.pending).remove(&id)) else {
            continue;
        };
        let _ = caller.send(match reply.outcome {
            Outcome::Ok(value) => Ok(value),
            Outcome::Error(error) => Err(error),
        });
    }
    lock(&shared.gone).get_or_insert_with(|| "the harbor process exited".to_owned());
    lock(&shared.pending).clear();
}

impl Drop for ProcessLimani {
    fn drop(&mut self) {
        if lock(&self.shared.gone).is_none() {
            if let Some(stdin) = lock(&self.stdin).as_mut() {
                let shutdown = Request {
                    id: 0,
                    lane: 0,
                    call: Call::Shutdown {},
                };
                let line = serde_json::to_string(&shutdown).unwrap_or_default() + "\n";
                let _ = stdin
                    .write_all(line.as_bytes())
                    .and_then(|()| stdin.flush());
            }
        }
        drop(lock(&self.stdin).take());
        let mut child = lock(&self.child);
        for _ in 0..400 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Whatever is left of the harbor's group goes: children it started, or itself if stuck.
        kill_group(&child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The process groups of the harbors alive in this process, for [`kill_all`].
static LIVE_GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Kills every harbor this process started and has not stopped yet, with all they started (for
/// an interrupted run: Ctrl-C reaches no harbor, each leads a process group of its own).
pub fn kill_all() {
    for group in lock(&LIVE_GROUPS).drain(..) {
        kill_pid_group(group);
    }
}

/// SIGKILL to the harbor's whole process group (it leads its own, see `spawn`).
fn kill_group(child: &Child) {
    lock(&LIVE_GROUPS).retain(|&g| g != child.id());
    kill_pid_group(child.id());
}

fn kill_pid_group(group: u32) {
    if let Ok(group) = i32::try_from(group) {
        // SAFETY: kill(2) has no memory effects; a negative pid names the group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

impl Limani for ProcessLimani {
    /// Asks the harbor process to run the Logbook's own status query on `connect()`'s connection.
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        let answer = self.call(Call::LogbookStatus {
            run_id: run_id.to_owned(),
        });
        if matches!(&answer, Ok(v) if v.get("offered") == Some(&Value::Bool(false))) {
            return None;
        }
        Some(answer.and_then(|v| match v {
            Value::Null => Ok(None),
            Value::String(status) => Ok(Some(status)),
            other => Err(LimaniError::invalid(
                "logbook_status result",
                format!("expected a status or no row, got {other}"),
            )),
        }))
    }

    /// SIGKILL, as a crash would.
    fn crash(&self) -> bool {
        self.kill();
        true
    }
    fn connect(&self) -> Result<()> {
        self.unit(Call::Connect {})
    }
    fn disconnect(&self) -> Result<()> {
        self.unit(Call::Disconnect {})
    }
    fn init_db(&self) -> Result<()> {
        self.unit(Call::InitDb {})
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        let value = self.call(Call::CreateRun { run: run.clone() })?;
        match value {
            Value::String(id) => Ok(id),
            Value::Null => Ok(String::new()),
            other => Err(LimaniError::invalid(
                "create_run result",
                format!("expected the run id, got {other}"),
            )),
        }
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.unit(Call::StartUpdateRun {
            run_id: run_id.to_owned(),
            status: status.to_owned(),
        })
    }
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &conformance::Json,
    ) -> Result<()> {
        self.unit(Call::EndRunUpdate {
            run_id: run_id.to_owned(),
            end_time,
            status: status.to_owned(),
            summary: summary.clone(),
        })
    }
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let value = self.call(Call::GetOrCreateHost {
            run_id: run_id.to_owned(),
            host_name: host_name.to_owned(),
        })?;
        value.as_i64().ok_or_else(|| {
            LimaniError::invalid(
                "get_or_create_host result",
                format!("expected an integer host id, got {value}"),
            )
        })
    }
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        self.unit(Call::InsertOperation {
            operation: operation.clone(),
        })
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.unit(Call::InsertSnapshot {
            snapshot: snapshot.clone(),
        })
    }
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        self.unit(Call::InsertFactLog {
            fact_log: fact_log.clone(),
        })
    }
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        let call = Call::GetFactsForTimespan {
            run_id: run_id.to_owned(),
            start_time,
            end_time,
        };
        wire::fact_rows("get_facts_for_timespan", &self.call(call)?)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        let call = Call::GetRunSummaryStats {
            run_id: run_id.to_owned(),
        };
        wire::summary("get_run_summary_stats", self.call(call)?)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        match self.call(Call::GetRunData {
            run_id: run_id.to_owned(),
        })? {
            Value::Null => Ok(None),
            rows => conformance::rows::from_rows(&rows).map(Some),
        }
    }
}
