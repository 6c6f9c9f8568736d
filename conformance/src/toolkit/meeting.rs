//! A meeting of threads that each arrive once, also by ending early: sessions that must run at
//! once start together whatever the threads' timing, and one that fails leaves no one waiting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// Where sessions' writers meet once connected, so sessions run at once whatever the threads' timing.
pub(crate) struct Meeting {
    arrived: Mutex<usize>,
    all_here: Condvar,
    sessions: usize,
}

impl Meeting {
    pub(crate) fn new(sessions: usize) -> Self {
        let (arrived, all_here) = (Mutex::new(0), Condvar::new());
        Meeting {
            arrived,
            all_here,
            sessions,
        }
    }

    fn arrive(&self) {
        *self.arrived.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.all_here.notify_all();
    }

    fn wait(&self) {
        let mut arrived = self.arrived.lock().unwrap_or_else(|p| p.into_inner());
        while *arrived < self.sessions {
            arrived = self
                .all_here
                .wait(arrived)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// One session's place at a meeting: it arrives once, also by ending before its writer got there.
pub(crate) struct Seat<'a> {
    meeting: Option<&'a Meeting>,
    taken: AtomicBool,
}

impl<'a> Seat<'a> {
    pub(crate) fn at(meeting: Option<&'a Meeting>) -> Self {
        Seat {
            meeting,
            taken: AtomicBool::new(false),
        }
    }

    fn arrive(&self) {
        if let Some(meeting) = self
            .meeting
            .filter(|_| !self.taken.swap(true, Ordering::SeqCst))
        {
            meeting.arrive();
        }
    }

    pub(crate) fn arrive_and_wait(&self) {
        self.arrive();
        self.meeting.inspect(|m| m.wait());
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        self.arrive();
    }
}
