//! `limani serve`'s shared memory with its client (the Ch-aOS plugins): one call at a time
//! posted in a memory both map and answered in it, no pipe crossed; a doorbell pipe each way
//! wakes a side that sleeps. A line too long for it, or another thread's call, takes the pipes.
//!
//! Layout (`docs/bridge-protocol.md`): byte 0 the state (0 idle, 1 a request posted, 2 its
//! reply posted, 3 the request taken by the server), byte 1 "the server sleeps", byte 2 "the client sleeps", the request's length
//! (u32, little-endian) at 8, the reply's at 12 (`u32::MAX`: the reply went on stdout), the
//! request from 4096, the reply from 4096 + cap, where cap = (size - 4096) / 2.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// The variable that hands `limani serve` the memory and its two doorbells: `MEMORY,IN,OUT`.
pub const ENV: &str = "LIMANI_SERVE_SHARED";

const STATE: usize = 0;
const SERVER_SLEEPS: usize = 1;
const CLIENT_SLEEPS: usize = 2;
const REQUEST_LEN: usize = 8;
const REPLY_LEN: usize = 12;
const HEADER: usize = 4096;
const POSTED: u8 = 1;
const ANSWERED: u8 = 2;
const TAKEN: u8 = 3;
/// The reply's length that says it went on stdout.
const ON_THE_PIPE: u32 = u32::MAX;
/// How often the spinning server looks at the memory for each look at stdin.
const LOOKS_PER_POLL: usize = 200;
/// A sleeping side looks again this often, whatever its doorbell says.
const LOOK_AGAIN_MS: i32 = 100;

/// The memory shared with the client, mapped, and the two doorbells.
pub struct Shared {
    base: *mut u8,
    size: usize,
    cap: usize,
    bell_in: OwnedFd,
    bell_out: OwnedFd,
}

// SAFETY: the memory is only touched through atomics (the header) and by the one side whose
// turn the state byte says it is (the request and reply areas).
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// What is ready to be read: a line on stdin, or a request in the shared memory.
pub enum Ready {
    Pipe,
    Shared,
}

impl Shared {
    /// The memory `$LIMANI_SERVE_SHARED` names, or `None` without it; an error for one that is
    /// not usable (the server then says no shared memory in its handshake).
    pub fn from_env() -> Option<std::io::Result<Shared>> {
        let value = std::env::var(ENV).ok()?;
        Some(Shared::open(&value))
    }

    fn open(value: &str) -> std::io::Result<Shared> {
        let bad = || std::io::Error::other(format!("{ENV}={value:?} is not MEMORY,IN,OUT"));
        let fds: Vec<RawFd> = value
            .split(',')
            .map(|fd| fd.trim().parse::<RawFd>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let [memory, bell_in, bell_out] = fds[..] else {
            return Err(bad());
        };
        // Taken only when they are what the client passes (else they are not ours to close).
        let kinds = [
            (memory, libc::S_IFREG),
            (bell_in, libc::S_IFIFO),
            (bell_out, libc::S_IFIFO),
        ];
        for (fd, kind) in kinds {
            if fd < 3 || file_kind(fd) != Some(kind) {
                return Err(std::io::Error::other(format!(
                    "{ENV}: descriptor {fd} is not the memory and pipes a client passes"
                )));
            }
        }
        // SAFETY: the three descriptors were given to this process to own; each is taken once.
        let (memory, bell_in, bell_out) = unsafe {
            (
                OwnedFd::from_raw_fd(memory),
                OwnedFd::from_raw_fd(bell_in),
                OwnedFd::from_raw_fd(bell_out),
            )
        };
        let size = std::fs::File::from(memory.try_clone()?).metadata()?.len() as usize;
        if size < HEADER + 2 * 4096 {
            return Err(std::io::Error::other(format!(
                "{ENV}: {size} bytes is too small"
            )));
        }
        use std::os::fd::AsRawFd;
        // SAFETY: a shared mapping of the whole file, checked below; unmapped on drop.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                memory.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let cap = (size - HEADER) / 2;
        Ok(Shared {
            base: base.cast(),
            size,
            cap,
            bell_in,
            bell_out,
        })
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

    fn set_length(&self, at: usize, length: u32) {
        let bytes = length.to_le_bytes();
        // SAFETY: 4 bytes of the header, written before the state byte says they are.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(at), 4) };
    }

    /// Watches stdin (`stdin`, unless `buffered` says a line is already read) and the memory,
    /// spinning for `window`, then sleeping until either has something.
    pub fn wait(&self, stdin: RawFd, buffered: bool, window: Duration) -> Ready {
        if buffered {
            return Ready::Pipe;
        }
        let started = Instant::now();
        loop {
            // The memory is looked at often (a load), stdin between (a system call).
            for _ in 0..LOOKS_PER_POLL {
                if self.flag(STATE).load(Ordering::Acquire) == POSTED {
                    return Ready::Shared;
                }
                std::hint::spin_loop();
            }
            if let Some(ready) = self.look(stdin) {
                return ready;
            }
            if started.elapsed() >= window {
                break;
            }
            std::thread::yield_now();
        }
        loop {
            self.flag(SERVER_SLEEPS).store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if let Some(ready) = self.look(stdin) {
                self.flag(SERVER_SLEEPS).store(0, Ordering::SeqCst);
                return ready;
            }
            let mut fds = [poll_in(stdin), poll_in(self.bell_in_fd())];
            // SAFETY: poll(2) on two pollfds this function owns.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, LOOK_AGAIN_MS) };
            self.flag(SERVER_SLEEPS).store(0, Ordering::SeqCst);
            if fds[1].revents & libc::POLLHUP != 0 {
                // The client is gone: its stdin ends too, and the read says so.
                return Ready::Pipe;
            }
            if fds[1].revents != 0 {
                drain(self.bell_in_fd());
            }
            if let Some(ready) = self.look(stdin) {
                return ready;
            }
        }
    }

    fn look(&self, stdin: RawFd) -> Option<Ready> {
        if self.flag(STATE).load(Ordering::Acquire) == POSTED {
            return Some(Ready::Shared);
        }
        let mut fds = [poll_in(stdin)];
        // SAFETY: poll(2) on one pollfd this function owns, with no wait.
        (unsafe { libc::poll(fds.as_mut_ptr(), 1, 0) } != 0).then_some(Ready::Pipe)
    }

    /// The posted request's bytes (a line with no newline), once `wait` said one is there; the
    /// request is taken (`wait` no longer sees it).
    pub fn request(&self) -> Vec<u8> {
        let length = (self.length(REQUEST_LEN) as usize).min(self.cap);
        let mut line = vec![0u8; length];
        // SAFETY: the request area holds `cap` bytes from HEADER; the client wrote them before
        // it posted, and writes nothing more until the reply is posted.
        unsafe { std::ptr::copy_nonoverlapping(self.base.add(HEADER), line.as_mut_ptr(), length) };
        self.flag(STATE).store(TAKEN, Ordering::Release);
        line
    }

    /// Posts the reply `line`; one too long for the memory is posted as on stdout, then written
    /// there by `on_the_pipe` (after: the client reads it while it is written, a pipe holds less).
    pub fn answer(
        &self,
        line: &[u8],
        on_the_pipe: impl FnOnce() -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let fits = line.len() <= self.cap;
        if fits {
            // SAFETY: the reply area holds `cap` bytes from HEADER + cap; the client reads it
            // only once the state says the reply is posted.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    line.as_ptr(),
                    self.base.add(HEADER + self.cap),
                    line.len(),
                )
            };
            self.set_length(REPLY_LEN, line.len() as u32);
        } else {
            self.set_length(REPLY_LEN, ON_THE_PIPE);
        }
        self.flag(STATE).store(ANSWERED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.flag(CLIENT_SLEEPS).load(Ordering::SeqCst) != 0 {
            // SAFETY: write(2) of one byte from a local to a descriptor this value owns.
            unsafe { libc::write(self.bell_out_fd(), b"!".as_ptr().cast(), 1) };
        }
        match fits {
            true => Ok(()),
            false => on_the_pipe(),
        }
    }

    fn bell_in_fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        self.bell_in.as_raw_fd()
    }

    fn bell_out_fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        self.bell_out.as_raw_fd()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.size) };
    }
}

/// The file type bits of an open descriptor, or `None` for one that is not open.
fn file_kind(fd: RawFd) -> Option<libc::mode_t> {
    // SAFETY: a zeroed stat is a valid buffer for fstat(2) to fill.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat(2) of a descriptor number, into a local buffer.
    (unsafe { libc::fstat(fd, &mut stat) } == 0).then_some(stat.st_mode & libc::S_IFMT)
}

fn poll_in(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Reads what a doorbell holds, without waiting.
fn drain(fd: RawFd) {
    let mut bytes = [0u8; 64];
    let mut fds = [poll_in(fd)];
    // SAFETY: poll(2) with no wait, then read(2) into a local buffer, while it has bytes.
    while unsafe { libc::poll(fds.as_mut_ptr(), 1, 0) } > 0 && fds[0].revents & libc::POLLIN != 0 {
        if unsafe { libc::read(fd, bytes.as_mut_ptr().cast(), bytes.len()) } <= 0 {
            return;
        }
    }
}
