//! The Logbook's workload in a Python harbor's own process, no bridge
//! (`limani_bridge/workload.py`): started once, then run in rounds that the caller interleaves
//! with its own rounds through the bridge, so that both meet the machine in the same state.

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::lines;
use crate::process::handle::Handle;
use crate::sync::lock;
use crate::HarborCommand;

/// How many of its last stderr lines a failure shows.
const STDERR_LINES: usize = 8;

/// The workload's process, in a process group of its own as a harbor's is (an interrupted run
/// kills it with the harbors): ends (killed if it must be) when dropped; it also ends by
/// itself when its stdin closes, the kit gone.
pub struct OwnProcess {
    process: Handle,
    commands: Option<ChildStdin>,
    answers: mpsc::Receiver<String>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Says when stderr has been read to its end.
    stderr_read: mpsc::Receiver<()>,
    limit: Duration,
}

impl OwnProcess {
    /// Starts the workload `spec` on a new harbor of `command` (its store made and its run
    /// created, not timed), once it says it is ready.
    pub fn start(command: &HarborCommand, spec: &serde_json::Value) -> Result<Self, String> {
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .arg("--workload")
            .arg(spec.to_string())
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", command.shown()))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (tx, answers) = mpsc::channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                let mut stdout = BufReader::new(stdout);
                while let Some(Ok(line)) = lines::protocol_line(&mut stdout, 1 << 20) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let (read, stderr_read) = mpsc::channel();
        if let Some(stderr) = stderr {
            let tail = tail.clone();
            std::thread::spawn(move || {
                lines::keep_last(stderr, &tail, STDERR_LINES);
                let _ = read.send(());
            });
        }
        let mut own = OwnProcess {
            commands: child.stdin.take(),
            process: Handle::child(child),
            answers,
            stderr: tail,
            stderr_read,
            limit: command.call_timeout,
        };
        own.answer("ready").map(|_| own)
    }

    /// Operations `first` to `first + operations - 1`, then the summary stats: seconds taken.
    pub fn round(&mut self, first: usize, operations: usize) -> Result<f64, String> {
        self.send(&serde_json::json!({"round": first, "operations": operations}))?;
        self.seconds()
    }

    /// The run's data, read as the export reads it: seconds taken. The process ends then.
    pub fn finish(&mut self) -> Result<f64, String> {
        self.send(&serde_json::json!({"finish": true}))?;
        self.seconds()
    }

    fn send(&mut self, command: &serde_json::Value) -> Result<(), String> {
        let written = match self.commands.as_mut() {
            Some(stdin) => writeln!(stdin, "{command}").and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("its input is closed")),
        };
        written.map_err(|e| self.failed(&format!("it cannot take the next round ({e})")))
    }

    fn seconds(&mut self) -> Result<f64, String> {
        self.answer("seconds")?
            .as_f64()
            .ok_or_else(|| self.failed("its answer holds no seconds"))
    }

    /// The field `key` of the process's next answer.
    fn answer(&mut self, key: &str) -> Result<serde_json::Value, String> {
        let line = match self.answers.recv_timeout(self.limit) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let waited = self.limit.as_secs();
                return Err(self.failed(&format!("no answer after {waited} s")));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(self.failed("it ended")),
        };
        let answer = serde_json::from_str::<serde_json::Value>(&line).ok();
        match answer.and_then(|a| a.get(key).cloned()) {
            Some(value) => Ok(value),
            None => Err(self.failed(&format!("it answered {line:?}, not {key}"))),
        }
    }

    /// Why the workload stopped, with its exit and the last lines of its stderr.
    fn failed(&mut self, why: &str) -> String {
        let status = self.end();
        let status = status.map_or("killed".to_owned(), |s| s.to_string());
        let tail: Vec<String> = lock(&self.stderr).iter().cloned().collect();
        format!(
            "the workload in the harbor's own process failed: {why} ({status}):\n{}",
            tail.join("\n")
        )
    }

    /// Ends the process: its input closed, a moment to exit by itself (and write why), then
    /// killed with its group and reaped; its stderr read (a moment, for a grandchild may hold
    /// it). Its own exit, if it exited by itself.
    fn end(&mut self) -> Option<ExitStatus> {
        drop(self.commands.take());
        let exited = (self.process.wait_for_exit(Duration::from_secs(2)))
            .then(|| self.process.try_wait())
            .flatten();
        self.process.end();
        let _ = self.stderr_read.recv_timeout(Duration::from_secs(1));
        exited
    }
}

impl Drop for OwnProcess {
    fn drop(&mut self) {
        if self.commands.is_some() {
            self.end();
        }
    }
}
