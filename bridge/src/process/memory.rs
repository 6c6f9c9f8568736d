//! A lane's memory: the kit posts a call in a memory it shares with the lane's thread in the
//! harbor and reads the reply there, with no system call while both sides watch; a doorbell
//! socket wakes a side that sleeps. The layout is `limani serve`'s (`crate::shared`), the kit
//! here the client: a line too long for it takes the lane socket.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicU8, Ordering};
use std::time::{Duration, Instant};

const STATE: usize = 0;
const SERVER_SLEEPS: usize = 1;
const CLIENT_SLEEPS: usize = 2;
const REQUEST_LEN: usize = 8;
const REPLY_LEN: usize = 12;
const HEADER: usize = 4096;
const IDLE: u8 = 0;
const POSTED: u8 = 1;
const ANSWERED: u8 = 2;
/// The reply's length that says it went on the lane socket.
const ON_THE_SOCKET: u32 = u32::MAX;
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
    base: *mut u8,
    cap: usize,
    bell: OwnedFd,
    /// The harbor's ends, sent with the lane socket, then dropped.
    theirs: Option<(OwnedFd, OwnedFd)>,
}

// SAFETY: the memory is only touched through atomics (the header) and by the one side whose
// turn the state byte says it is (the request and reply areas); one kit thread holds a lane.
unsafe impl Send for LaneMemory {}

impl LaneMemory {
    /// A new memory and doorbell; `fds()` are what the harbor is sent.
    pub(super) fn new() -> std::io::Result<LaneMemory> {
        // SAFETY: memfd_create(2) with a NUL-terminated name; the descriptor is owned below.
        let fd = unsafe { libc::memfd_create(c"limani-lane".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a new descriptor, owned by nothing else.
        let memory = unsafe { OwnedFd::from_raw_fd(fd) };
        std::fs::File::from(memory.try_clone()?).set_len(SIZE as u64)?;
        // SAFETY: a shared mapping of the whole file; unmapped on drop.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                memory.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let (bell, their_bell) = crate::fds::socket_pair(libc::SOCK_STREAM)?;
        Ok(LaneMemory {
            base: base.cast(),
            cap: (SIZE - HEADER) / 2,
            bell,
            theirs: Some((memory, their_bell)),
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

    fn flag(&self, at: usize) -> &AtomicU8 {
        // SAFETY: `at` is in the header, inside the mapping, which lives as long as `self`.
        unsafe { AtomicU8::from_ptr(self.base.add(at)) }
    }

    fn length(&self, at: usize) -> u32 {
        let mut bytes = [0u8; 4];
        // SAFETY: 4 bytes of the header, read after the state byte said they were written.
        unsafe { std::ptr::copy_nonoverlapping(self.base.add(at), bytes.as_mut_ptr(), 4) };
        u32::from_le_bytes(bytes)
    }

    /// Posts `line` (no newline) and rings the harbor's doorbell if its thread sleeps; `false`
    /// for a line too long for the memory (it then takes the lane socket).
    pub(super) fn post(&self, line: &[u8]) -> bool {
        if line.len() > self.cap {
            return false;
        }
        // SAFETY: the request area holds `cap` bytes from HEADER; the harbor reads it only once
        // the state says a request is posted, and the state is idle (no call of this lane runs).
        unsafe {
            std::ptr::copy_nonoverlapping(line.as_ptr(), self.base.add(HEADER), line.len());
            let length = (line.len() as u32).to_le_bytes();
            std::ptr::copy_nonoverlapping(length.as_ptr(), self.base.add(REQUEST_LEN), 4);
        }
        self.flag(STATE).store(POSTED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.flag(SERVER_SLEEPS).load(Ordering::SeqCst) != 0 {
            ring(self.bell.as_raw_fd());
        }
        true
    }

    /// Waits up to `limit` for the reply to the posted request: watching for `spin`, then
    /// sleeping on the doorbell and on `socket` (the lane socket: it ends when the harbor does).
    pub(super) fn wait(&self, socket: RawFd, spin: Duration, limit: Duration) -> Waited {
        let started = Instant::now();
        while started.elapsed() < spin {
            for _ in 0..LOOKS_PER_CLOCK {
                if self.flag(STATE).load(Ordering::Acquire) == ANSWERED {
                    return self.take();
                }
                std::hint::spin_loop();
            }
            std::thread::yield_now();
        }
        loop {
            self.flag(CLIENT_SLEEPS).store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if self.flag(STATE).load(Ordering::SeqCst) == ANSWERED {
                self.flag(CLIENT_SLEEPS).store(0, Ordering::SeqCst);
                return self.take();
            }
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                self.flag(CLIENT_SLEEPS).store(0, Ordering::SeqCst);
                return Waited::TimedOut;
            }
            let wait = left.min(LOOK_AGAIN).as_millis().max(1) as i32;
            let mut fds = [poll_in(self.bell.as_raw_fd()), poll_in(socket)];
            // SAFETY: poll(2) on two pollfds this function owns.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, wait) };
            self.flag(CLIENT_SLEEPS).store(0, Ordering::SeqCst);
            if fds[0].revents != 0 {
                drain(self.bell.as_raw_fd());
            }
            if self.flag(STATE).load(Ordering::Acquire) == ANSWERED {
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
        let length = self.length(REPLY_LEN);
        let waited = if length == ON_THE_SOCKET {
            Waited::OnTheSocket
        } else {
            let length = (length as usize).min(self.cap);
            let mut line = vec![0u8; length];
            // SAFETY: the reply area holds `cap` bytes from HEADER + cap; the harbor wrote them
            // before it posted, and writes nothing more until the next request is posted.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.base.add(HEADER + self.cap),
                    line.as_mut_ptr(),
                    length,
                )
            };
            Waited::Reply(line)
        };
        self.flag(STATE).store(IDLE, Ordering::SeqCst);
        waited
    }
}

impl Drop for LaneMemory {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), SIZE) };
    }
}

fn poll_in(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
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

/// Reads what a doorbell holds, without waiting.
fn drain(fd: RawFd) {
    let mut bytes = [0u8; 64];
    // SAFETY: recv(2) into a local buffer, never waiting, while it has bytes.
    while unsafe {
        libc::recv(
            fd,
            bytes.as_mut_ptr().cast(),
            bytes.len(),
            libc::MSG_DONTWAIT,
        )
    } > 0
    {}
}
