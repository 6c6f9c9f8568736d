//! `ProcessLimani`: a harbor in another process, driven over the bridge protocol.
//! Many kit threads share one pipe; each kit thread has its own lane in the harbor.

mod calls;
mod exchange;
pub(crate) mod handle;
mod lanes;
mod memory;
mod replies;

use std::fs::File;
use std::io::{BufReader, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use conformance::{LimaniError, Result, Revision};
use serde_json::Value;

use crate::protocol::{self, Call, ErrorObject, Hello, Outcome, Request};
use crate::sync::lock;
use crate::{lines, wire};
pub use handle::kill_all;
use handle::Handle;
use replies::{read_replies, Shared};

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
    /// The argument that makes it a fork server (`bridge::forks`), if it can be one.
    pub fork_server: Option<String>,
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
            fork_server: None,
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

/// A harbor served by another process.
pub struct ProcessLimani {
    name: String,
    revision: Revision,
    command: HarborCommand,
    process: Mutex<Handle>,
    stdin: Mutex<Option<File>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    lanes: lanes::Lanes,
}

/// A harbor process just started: its handle and the kit's ends of its stdin, stdout, stderr.
pub(crate) struct Started {
    pub process: Handle,
    pub stdin: File,
    pub stdout: File,
    pub stderr: File,
    /// Where it takes lane sockets, if it can.
    pub lanes: Option<OwnedFd>,
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
        let (stdin, stdout, stderr) = (
            child.stdin.take().expect("piped stdin"),
            child.stdout.take().expect("piped stdout"),
            child.stderr.take().expect("piped stderr"),
        );
        let started = Started {
            process: Handle::child(child),
            stdin: File::from(OwnedFd::from(stdin)),
            stdout: File::from(OwnedFd::from(stdout)),
            stderr: File::from(OwnedFd::from(stderr)),
            lanes: None,
        };
        Self::handshake(command, started)
    }

    /// Reads the handshake of a process just started; on any failure the process is ended and
    /// the error shows its stderr.
    pub(crate) fn handshake(command: &HarborCommand, started: Started) -> Result<Self> {
        let Started {
            mut process,
            stdin,
            stdout,
            stderr,
            lanes,
        } = started;
        let shared = Arc::new(Shared::default());
        let tail = shared.clone();
        let mut stderr_reader = Some(std::thread::spawn(move || {
            lines::keep_last(stderr, &tail.stderr, STDERR_LINES)
        }));
        let (hello_tx, hello_rx) = mpsc::channel();
        let reader = shared.clone();
        std::thread::spawn(move || read_replies(BufReader::new(stdout), &reader, hello_tx));
        let mut fail = |why: String| {
            // Reap the process and read its stderr to the end, so the diagnosis is whole.
            process.end();
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
            stdin: Mutex::new(Some(stdin)),
            process: Mutex::new(process),
            shared,
            next_id: AtomicU64::new(1),
            lanes: lanes::Lanes::new(
                lanes.filter(|_| hello.lane_sockets),
                hello.lane_memory,
                hello.lane_marshal,
            ),
        })
    }

    /// The harbor's name, from its handshake.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The harbor process's id.
    pub fn pid(&self) -> u32 {
        lock(&self.process).id()
    }

    /// The `create_run` revision the harbor has, from its handshake.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Whether calls that fit go through a memory shared with each lane's thread (a harbor the
    /// fork server forked, on a machine where its Python side offers it).
    pub fn lanes_in_memory(&self) -> bool {
        self.lanes.in_memory()
    }

    /// Kills the harbor process at once (SIGKILL), as a crash would.
    pub fn kill(&self) {
        lock(&self.process).kill();
    }

    fn gone(&self, call: &str) -> LimaniError {
        let why = lock(&self.shared.gone)
            .clone()
            .unwrap_or_else(|| "the harbor process stopped answering".to_owned());
        let mut process = lock(&self.process);
        // (a process that closed its pipes is about to exit: its status completes the diagnosis)
        process.wait_for_exit(Duration::from_millis(200));
        let status = process
            .try_wait()
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
        let request = Request {
            id,
            lane: self.lanes.lane(),
            call,
        };
        let line = || {
            let mut line = serde_json::to_string(&request)
                .map_err(|e| LimaniError::invalid(method, format!("cannot be sent: {e}")))?;
            line.push('\n'); // one write, one line
            Ok(line)
        };
        let answer = match self.lanes.on_sockets() {
            true => self.exchange(id, &request, line)?,
            false => self.through_stdin(id, &line()?),
        };
        match answer {
            Answered::Value(value) => Ok(value),
            Answered::Error(error) => Err(wire::error(&request.call, &error)),
            Answered::TimedOut => {
                self.lanes.abandon();
                Err(LimaniError::Timeout {
                    call: format!("{method} (harbor process {})", self.name),
                    after: self.command.call_timeout,
                })
            }
            Answered::Gone => Err(self.gone(method)),
        }
    }

    /// A call through the harbor's stdin, answered on its stdout.
    fn through_stdin(&self, id: u64, line: &str) -> Answered {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.pending).insert(id, tx);
        let written = match lock(&self.stdin).as_mut() {
            Some(stdin) => stdin.write_all(line.as_bytes()),
            None => Err(std::io::Error::other("stdin closed")),
        };
        if let Err(e) = written {
            lock(&self.shared.pending).remove(&id);
            lock(&self.shared.gone)
                .get_or_insert_with(|| format!("the harbor process closed its input: {e}"));
            return Answered::Gone;
        }
        match rx.recv_timeout(self.command.call_timeout) {
            Ok(Ok(value)) => Answered::Value(value),
            Ok(Err(error)) => Answered::Error(error),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                lock(&self.shared.pending).remove(&id);
                Answered::TimedOut
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Answered::Gone,
        }
    }

    fn unit(&self, call: Call) -> Result<()> {
        self.call(call).map(drop)
    }
}

/// How a call ended.
enum Answered {
    Value(Value),
    Error(ErrorObject),
    TimedOut,
    Gone,
}

impl From<Outcome> for Answered {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Ok(value) => Answered::Value(value),
            Outcome::Error(error) => Answered::Error(error),
        }
    }
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
        let mut process = lock(&self.process);
        process.wait_for_exit(Duration::from_secs(2));
        process.end();
    }
}
