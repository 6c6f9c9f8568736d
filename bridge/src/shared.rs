//! `limani serve`'s shared memory with its client (the Ch-aOS plugins): one call at a time
//! posted in a memory both map and answered in it, no pipe crossed; a doorbell pipe each way
//! wakes a side that sleeps. A line too long for it, or another thread's call, takes the pipes.
//! The server of the layout in `crate::mapping`; a reply too long for it goes on stdout.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{fence, Ordering};
use std::time::{Duration, Instant};

use crate::mapping::{
    drain, poll_in, Mapping, ANSWERED, CLIENT_SLEEPS, ON_THE_PIPE, POSTED, REPLY_LEN, REQUEST_LEN,
    SERVER_SLEEPS, STATE, TAKEN,
};

/// The variable that hands `limani serve` the memory and its two doorbells: `MEMORY,IN,OUT`.
pub const ENV: &str = "LIMANI_SERVE_SHARED";

/// How often the spinning server looks at the memory for each look at stdin.
const LOOKS_PER_POLL: usize = 200;
/// A sleeping side looks again this often, whatever its doorbell says.
const LOOK_AGAIN_MS: i32 = 100;

/// The memory shared with the client, mapped, and the two doorbells.
pub struct Shared {
    memory: Mapping,
    bell_in: OwnedFd,
    bell_out: OwnedFd,
}

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
        let memory = Mapping::map(&memory, size)
            .map_err(|e| std::io::Error::other(format!("{ENV}: {e}")))?;
        Ok(Shared {
            memory,
            bell_in,
            bell_out,
        })
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
                if self.memory.flag(STATE).load(Ordering::Acquire) == POSTED {
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
            self.memory.flag(SERVER_SLEEPS).store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if let Some(ready) = self.look(stdin) {
                self.memory.flag(SERVER_SLEEPS).store(0, Ordering::SeqCst);
                return ready;
            }
            let mut fds = [poll_in(stdin), poll_in(self.bell_in_fd())];
            // SAFETY: poll(2) on two pollfds this function owns.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, LOOK_AGAIN_MS) };
            self.memory.flag(SERVER_SLEEPS).store(0, Ordering::SeqCst);
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
        if self.memory.flag(STATE).load(Ordering::Acquire) == POSTED {
            return Some(Ready::Shared);
        }
        let mut fds = [poll_in(stdin)];
        // SAFETY: poll(2) on one pollfd this function owns, with no wait.
        (unsafe { libc::poll(fds.as_mut_ptr(), 1, 0) } != 0).then_some(Ready::Pipe)
    }

    /// The posted request's bytes (a line with no newline), once `wait` said one is there; the
    /// request is taken (`wait` no longer sees it).
    pub fn request(&self) -> Vec<u8> {
        let m = &self.memory;
        // (the client wrote it before it posted, and writes nothing more until the reply is)
        let line = m.read(m.request_at(), m.length(REQUEST_LEN) as usize);
        m.flag(STATE).store(TAKEN, Ordering::Release);
        line
    }

    /// Posts the reply `line`; one too long for the memory is posted as on stdout, then written
    /// there by `on_the_pipe` (after: the client reads it while it is written, a pipe holds less).
    pub fn answer(
        &self,
        line: &[u8],
        on_the_pipe: impl FnOnce() -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let m = &self.memory;
        let fits = line.len() <= m.cap;
        if fits {
            // (the client reads it only once the state says the reply is posted)
            m.write(m.reply_at(), line);
            m.set_length(REPLY_LEN, line.len() as u32);
        } else {
            m.set_length(REPLY_LEN, ON_THE_PIPE);
        }
        self.memory.flag(STATE).store(ANSWERED, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.memory.flag(CLIENT_SLEEPS).load(Ordering::SeqCst) != 0 {
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

/// The file type bits of an open descriptor, or `None` for one that is not open.
fn file_kind(fd: RawFd) -> Option<libc::mode_t> {
    // SAFETY: a zeroed stat is a valid buffer for fstat(2) to fill.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat(2) of a descriptor number, into a local buffer.
    (unsafe { libc::fstat(fd, &mut stat) } == 0).then_some(stat.st_mode & libc::S_IFMT)
}
