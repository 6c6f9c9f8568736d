//! A lane's memory: the kit posts a call in a memory it shares with the lane's thread in the
//! harbor and reads the reply there, with no system call while both sides watch; a doorbell
//! socket wakes a side that sleeps. The kit is the client of the layout in `crate::mapping`:
//! a line too long for it takes the lane socket.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, Ordering};
use std::time::{Duration, Instant};

use crate::mapping::{
    drain, poll_in, Mapping, ANSWERED, CLIENT_SLEEPS, HEADER, IDLE, ON_THE_PIPE, POSTED, REPLY_LEN,
    REQUEST_LEN, SERVER_SLEEPS, STATE,
};

/// The memory of one lane: the header, then 256 KiB each way.
const SIZE: usize = HEADER + 2 * (256 << 10);
/// How often the watching kit thread looks at the memory between looks at the clock.
const LOOKS_PER_CLOCK: usize = 100;
/// A sleeping kit thread looks again this often, whatever its doorbell says.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// What waiting for a reply in the memory gave.
pub(super) enum Waited {
    /// The reply line (no newline).
    Reply(Vec<u8>),
    /// The reply is too long for the memory: it comes on the lane socket.
    OnTheSocket,
    /// No reply within the time given.
    TimedOut,
    /// The harbor's end of the lane closed with no reply: the harbor is gone.
    Closed,
}

/// The kit's side of a lane's memory, and the doorbell socket.
pub(super) struct LaneMemory {
    memory: Mapping,
    bell: OwnedFd,
    /// The harbor's ends, sent with the lane socket, then dropped.
    theirs: Option<(OwnedFd, OwnedFd)>,
}

impl LaneMemory {
    /// A new memory and doorbell; `fds()` are what the harbor is sent.
    pub(super) fn new() -> std::io::Result<LaneMemory> {
        // SAFETY: memfd_create(2) with a NUL-terminated name; the descriptor is owned below.
        let fd = unsafe { libc::memfd_create(c"limani-lane".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a new descriptor, owned by nothing else.
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        std::fs::File::from(file.try_clone()?).set_len(SIZE as u64)?;
        let memory = Mapping::map(&file, SIZE)?;
        let (bell, their_bell) = crate::fds::socket_pair(libc::SOCK_STREAM)?;
        Ok(LaneMemory {
            memory,
            bell,
            theirs: Some((file, their_bell)),
        })
    }

    /// The memory and the harbor's end of the doorbell, to send with the lane socket.
    pub(super) fn fds(&self) -> [RawFd; 2] {
        let (memory, bell) = self.theirs.as_ref().expect("sent once, before any call");
        [memory.as_raw_fd(), bell.as_raw_fd()]
    }

    /// Closes the harbor's ends here, once sent.
    pub(super) fn sent(&mut self) {
        self.theirs = None;
    }

    /// Posts `line` (no newline) and rings the harbor's doorbell if its thread sleeps; `false`
    /// for a line too long for the memory (it then takes the lane socket).
    pub(super) fn post(&self, line: &[u8]) -> bool {
        let m = &self.memory;
        if line.len() > m.cap {
            return false;
        }
        // (the state is idle: no call of this lane runs, and the harbor reads nothing yet)
        m.write(m.request_at(), line);
        m.set_length(REQUEST_LEN, line.len() as u32);
        m.flag(STATE).store(POSTED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if m.flag(SERVER_SLEEPS).load(Ordering::SeqCst) != 0 {
            ring(self.bell.as_raw_fd());
        }
        true
    }

    /// Waits up to `limit` for the reply to the posted request: watching for `spin`, then
    /// sleeping on the doorbell and on `socket` (the lane socket: it ends when the harbor does).
    pub(super) fn wait(&self, socket: RawFd, spin: Duration, limit: Duration) -> Waited {
        let state = self.memory.flag(STATE);
        let sleeps = self.memory.flag(CLIENT_SLEEPS);
        let started = Instant::now();
        while started.elapsed() < spin {
            for _ in 0..LOOKS_PER_CLOCK {
                if state.load(Ordering::Acquire) == ANSWERED {
                    return self.take();
                }
                std::hint::spin_loop();
            }
            std::thread::yield_now();
        }
        loop {
            sleeps.store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if state.load(Ordering::SeqCst) == ANSWERED {
                sleeps.store(0, Ordering::SeqCst);
                return self.take();
            }
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                sleeps.store(0, Ordering::SeqCst);
                return Waited::TimedOut;
            }
            let wait = left.min(LOOK_AGAIN).as_millis().max(1) as i32;
            let mut fds = [poll_in(self.bell.as_raw_fd()), poll_in(socket)];
            // SAFETY: poll(2) on two pollfds this function owns.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, wait) };
            sleeps.store(0, Ordering::SeqCst);
            if fds[0].revents != 0 {
                drain(self.bell.as_raw_fd());
            }
            if state.load(Ordering::Acquire) == ANSWERED {
                return self.take();
            }
            let hung_up = fds[0].revents & libc::POLLHUP != 0;
            if fds[1].revents != 0 || hung_up {
                // Nothing comes on the socket before the state says so: this is its end.
                return Waited::Closed;
            }
        }
    }

    /// The posted reply, the memory made idle for the next call.
    fn take(&self) -> Waited {
        let m = &self.memory;
        let length = m.length(REPLY_LEN);
        // (the harbor wrote the reply before it posted, and writes nothing until the next call)
        let waited = match length {
            ON_THE_PIPE => Waited::OnTheSocket,
            _ => Waited::Reply(m.read(m.reply_at(), length as usize)),
        };
        m.flag(STATE).store(IDLE, Ordering::SeqCst);
        waited
    }
}

/// Rings a doorbell: one byte, never waiting (a full doorbell already rings).
fn ring(fd: RawFd) {
    // SAFETY: send(2) of one byte from a static to a socket this process owns.
    unsafe {
        libc::send(
            fd,
            b"!".as_ptr().cast(),
            1,
            libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
        )
    };
}
