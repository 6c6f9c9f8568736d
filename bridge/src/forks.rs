//! Harbor processes started fast: a fork server imports the harbor once, then forks a fresh
//! process per harbor (`limani_bridge/forks.py`). Each is a process of its own, as isolated as
//! a new one: its own group, stdin, stdout, stderr; it can crash, hang or be killed alone.
//! Where there is no fork server (a command that cannot be one, a server that would not start
//! or has gone), a harbor is a new process as before.

use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use conformance::Result;
use serde_json::Value;

use crate::fds::{pipe, send_fds, socket_pair};
use crate::process::handle::{Exits, Handle};
use crate::process::{HarborCommand, ProcessLimani, Started};
use crate::sync::lock;

/// Starts the harbors of one command, forked from its fork server where it has one.
pub struct Launcher {
    command: HarborCommand,
    forks: Option<Arc<ForkServer>>,
}

impl Launcher {
    /// A launcher for `command`: its fork server is started now, if the command can be one.
    pub fn new(command: &HarborCommand) -> Self {
        let forks = command
            .fork_server
            .as_ref()
            .and_then(|argument| ForkServer::start(command, argument).map(Arc::new).ok());
        Launcher {
            command: command.clone(),
            forks,
        }
    }

    /// Whether harbors are forked (else each is a new process).
    pub fn forks(&self) -> bool {
        self.forks.is_some()
    }

    /// A new harbor process, with its handshake read.
    pub fn spawn(&self) -> Result<ProcessLimani> {
        if let Some(forks) = &self.forks {
            if let Some((pid, [stdin, stdout, stderr], lanes)) = forks.fork() {
                let server: Arc<dyn Send + Sync> = forks.clone();
                let started = Started {
                    process: Handle::forked(pid, forks.exits.clone(), server),
                    stdin,
                    stdout,
                    stderr,
                    lanes: Some(lanes),
                };
                return ProcessLimani::handshake(&self.command, started);
            }
        }
        ProcessLimani::spawn(&self.command)
    }
}

/// A fork server and what it reports.
struct ForkServer {
    /// The kit's end of the server's stdin, a SOCK_SEQPACKET socket.
    control: Arc<OwnedFd>,
    /// One fork at a time: a request, then its answer.
    forking: Mutex<mpsc::Receiver<Value>>,
    exits: Arc<Exits>,
    process: Mutex<Handle>,
}

impl ForkServer {
    fn start(command: &HarborCommand, argument: &str) -> std::io::Result<Self> {
        let (kit_end, server_end) = socket_pair(libc::SOCK_SEQPACKET)?;
        let child = Command::new(&command.program)
            .process_group(0)
            .args(&command.args)
            .arg(argument)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::from(server_end))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let control = Arc::new(kit_end);
        let exits = Arc::new(Exits::default());
        let (answers, forking) = mpsc::channel();
        let (reader, reported) = (control.clone(), exits.clone());
        std::thread::spawn(move || read_reports(&reader, &reported, &answers));
        let server = ForkServer {
            control,
            forking: Mutex::new(forking),
            exits,
            process: Mutex::new(Handle::child(child)),
        };
        // Its first message says it has imported the harbor and waits for requests.
        let hello = server.answer(command.start_timeout);
        match hello {
            Some(hello) if hello.get("fork_server").is_some() => Ok(server),
            _ => Err(std::io::Error::other("the fork server did not start")),
        }
    }

    fn answer(&self, limit: Duration) -> Option<Value> {
        let answers = lock(&self.forking);
        answers.recv_timeout(limit).ok()
    }

    /// A forked harbor process, the kit's ends of its pipes and of the socket that takes its
    /// lanes; None if the server cannot.
    fn fork(&self) -> Option<(u32, [File; 3], OwnedFd)> {
        let answers = lock(&self.forking);
        let (stdin_read, stdin_write) = pipe().ok()?;
        let (stdout_read, stdout_write) = pipe().ok()?;
        let (stderr_read, stderr_write) = pipe().ok()?;
        let (lanes, lanes_child) = socket_pair(libc::SOCK_SEQPACKET).ok()?;
        let theirs = [&stdin_read, &stdout_write, &stderr_write, &lanes_child];
        send_fds(
            self.control.as_raw_fd(),
            b"fork",
            &theirs.map(|fd| fd.as_raw_fd()),
        )
        .ok()?;
        // The child holds its ends now: the kit's copies go, or no end of file would come.
        drop((stdin_read, stdout_write, stderr_write, lanes_child));
        let answer = answers.recv_timeout(Duration::from_secs(30)).ok()?;
        let pid = u32::try_from(answer.get("spawned")?.as_u64()?).ok()?;
        let files = [stdin_write, stdout_read, stderr_read].map(File::from);
        Some((pid, files, lanes))
    }
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        // The end of its socket tells it to kill its children and exit; whatever stays is killed.
        // SAFETY: shutdown(2) on a socket this value owns; it has no memory effects.
        unsafe {
            libc::shutdown(self.control.as_raw_fd(), libc::SHUT_RDWR);
        }
        let mut process = lock(&self.process);
        process.wait_for_exit(Duration::from_secs(2));
        process.end();
    }
}

/// Reads the server's messages: exits are recorded, anything else answers the fork waiting.
fn read_reports(control: &OwnedFd, exits: &Exits, answers: &mpsc::Sender<Value>) {
    let mut buffer = vec![0u8; 64 << 10];
    loop {
        // SAFETY: recv(2) into a buffer of the length given, which this function owns.
        let read = unsafe {
            libc::recv(
                control.as_raw_fd(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                0,
            )
        };
        let Ok(read @ 1..) = usize::try_from(read) else {
            if read < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            break;
        };
        let Ok(message) = serde_json::from_slice::<Value>(&buffer[..read]) else {
            break;
        };
        match (message.get("exited"), message.get("status")) {
            (Some(pid), Some(status)) => {
                let pid = pid.as_u64().and_then(|p| u32::try_from(p).ok());
                let status = status.as_i64().and_then(|s| i32::try_from(s).ok());
                if let (Some(pid), Some(status)) = (pid, status) {
                    exits.record(pid, status);
                }
            }
            _ => {
                if answers.send(message).is_err() {
                    break;
                }
            }
        }
    }
    exits.server_ended();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forked harbor is a process of its own: another pid than its server's, its own group.
    #[test]
    fn a_forked_harbor_is_a_process_of_its_own() {
        let harbors = concat!(env!("CARGO_MANIFEST_DIR"), "/harbors");
        let harbor = crate::PythonHarbor::Class("broken:NoOp".into());
        let command = crate::python::command(&harbor, &[harbors], "{}").unwrap();
        let launcher = Launcher::new(&command);
        assert!(launcher.forks(), "the fork server did not start");
        let (one, two) = (launcher.spawn().unwrap(), launcher.spawn().unwrap());
        assert_ne!(one.pid(), two.pid());
        // SAFETY: getpgid(2) only reads.
        let group = unsafe { libc::getpgid(one.pid() as i32) };
        assert_eq!(group, one.pid() as i32, "its own process group");
        one.kill();
        use conformance::Limani;
        assert!(
            one.get_or_create_host("r", "h").is_err(),
            "a killed harbor answers"
        );
        assert_eq!(
            two.get_or_create_host("r", "h").unwrap(),
            1,
            "its sibling goes on"
        );
    }

    /// The pids of live (not zombie) processes whose environment holds `needle`.
    fn with_env(needle: &str) -> Vec<String> {
        let entries = std::fs::read_dir("/proc").unwrap();
        let pids = entries.filter_map(|e| e.ok()?.file_name().into_string().ok());
        pids.filter(|pid| {
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(") ")
                .is_some_and(|(_, s)| s.starts_with('Z'));
            !zombie && env.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
        .collect()
    }

    /// The fork server and its harbors live while the launcher or a harbor does, and go after.
    #[test]
    fn nothing_outlives_the_launcher_and_its_harbors() {
        let marker = format!("forks-test-{}", std::process::id());
        let harbors = concat!(env!("CARGO_MANIFEST_DIR"), "/harbors");
        let harbor = crate::PythonHarbor::Class("broken:NoOp".into());
        let config = serde_json::json!({ "marker": marker }).to_string();
        let command = crate::python::command(&harbor, &[harbors], &config).unwrap();
        let launcher = Launcher::new(&command);
        let harbor = launcher.spawn().unwrap();
        drop(launcher);
        let alive = with_env(&marker);
        assert_eq!(alive.len(), 2, "the fork server and one harbor: {alive:?}");
        assert!(alive.contains(&harbor.pid().to_string()));
        drop(harbor);
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            with_env(&marker).is_empty()
        });
        assert!(gone, "left behind: {:?}", with_env(&marker));
    }
}
