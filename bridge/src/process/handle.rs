//! The harbor's process: a child of the kit, or one the fork server forked; its process group
//! (every harbor leads its own, so a kill reaches whatever it started) and its exit.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::sync::lock;

/// The exits of the fork server's children, as it reports them.
#[derive(Default)]
pub(crate) struct Exits {
    statuses: Mutex<HashMap<u32, ExitStatus>>,
    /// Set when the fork server ends: no exit is reported after that.
    server_gone: Mutex<bool>,
    changed: Condvar,
}

impl Exits {
    /// Records a child's wait status, as `waitpid` gave it.
    pub(crate) fn record(&self, pid: u32, status: i32) {
        lock(&self.statuses).insert(pid, ExitStatus::from_raw(status));
        self.changed.notify_all();
    }

    pub(crate) fn server_ended(&self) {
        *lock(&self.server_gone) = true;
        let _statuses = lock(&self.statuses);
        self.changed.notify_all();
    }

    /// The child's exit, waiting up to `limit` for it (none once the server is gone).
    fn wait(&self, pid: u32, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        let mut statuses = lock(&self.statuses);
        loop {
            if let Some(status) = statuses.get(&pid) {
                return Some(*status);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || *lock(&self.server_gone) {
                return None;
            }
            statuses = (self.changed.wait_timeout(statuses, left))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn forget(&self, pid: u32) {
        lock(&self.statuses).remove(&pid);
    }
}

/// A harbor's process.
pub(crate) enum Handle {
    Child(Child),
    Forked {
        pid: u32,
        exits: Arc<Exits>,
        /// The fork server, kept while its child lives (it kills them all when it ends).
        _server: Arc<dyn Send + Sync>,
    },
}

impl Handle {
    pub(crate) fn child(child: Child) -> Self {
        lock(&LIVE_GROUPS).push(child.id());
        Handle::Child(child)
    }

    pub(crate) fn forked(pid: u32, exits: Arc<Exits>, server: Arc<dyn Send + Sync>) -> Self {
        lock(&LIVE_GROUPS).push(pid);
        Handle::Forked {
            pid,
            exits,
            _server: server,
        }
    }

    pub(crate) fn id(&self) -> u32 {
        match self {
            Handle::Child(child) => child.id(),
            Handle::Forked { pid, .. } => *pid,
        }
    }

    /// How it exited, if it has.
    pub(crate) fn try_wait(&mut self) -> Option<ExitStatus> {
        match self {
            Handle::Child(child) => child.try_wait().ok().flatten(),
            Handle::Forked { pid, exits, .. } => exits.wait(*pid, Duration::ZERO),
        }
    }

    /// Waits up to `limit` for it to exit by itself; whether it did.
    pub(crate) fn wait_for_exit(&mut self, limit: Duration) -> bool {
        match self {
            Handle::Child(child) => {
                let deadline = Instant::now() + limit;
                while Instant::now() < deadline {
                    if matches!(child.try_wait(), Ok(Some(_))) {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                false
            }
            Handle::Forked { pid, exits, .. } => exits.wait(*pid, limit).is_some(),
        }
    }

    /// SIGKILL to its whole group, as a crash would.
    pub(crate) fn kill(&mut self) {
        kill_group(self.id());
        if let Handle::Child(child) = self {
            let _ = child.kill();
        }
    }

    /// Kills whatever is left of its group (children it started, or itself if stuck) and reaps it.
    pub(crate) fn end(&mut self) {
        self.kill();
        match self {
            Handle::Child(child) => drop(child.wait()),
            Handle::Forked { pid, exits, .. } => {
                exits.wait(*pid, Duration::from_secs(2));
                exits.forget(*pid);
            }
        }
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

/// SIGKILL to a whole process group, which then is no longer the kit's.
fn kill_group(group: u32) {
    lock(&LIVE_GROUPS).retain(|&g| g != group);
    kill_pid_group(group);
}

fn kill_pid_group(group: u32) {
    if let Ok(group) = i32::try_from(group) {
        // SAFETY: kill(2) has no memory effects; a negative pid names the group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}
