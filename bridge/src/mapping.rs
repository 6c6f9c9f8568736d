//! A memory mapped by two processes in the layout of `docs/bridge-protocol.md` ("Shared
//! memory"): byte 0 the state, bytes 1 and 2 "the server sleeps" and "the client sleeps", the
//! request's length (u32, little-endian) at 8, the reply's at 12, the request from 4096, the
//! reply from 4096 + cap, cap = (size - 4096) / 2. `limani serve` is its server
//! (`crate::shared`), the kit's lanes its client (`process::memory`).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicU8;

pub(crate) const STATE: usize = 0;
pub(crate) const SERVER_SLEEPS: usize = 1;
pub(crate) const CLIENT_SLEEPS: usize = 2;
pub(crate) const REQUEST_LEN: usize = 8;
pub(crate) const REPLY_LEN: usize = 12;
pub(crate) const HEADER: usize = 4096;
pub(crate) const IDLE: u8 = 0;
pub(crate) const POSTED: u8 = 1;
pub(crate) const ANSWERED: u8 = 2;
pub(crate) const TAKEN: u8 = 3;
/// The reply's length that says it went on the pipe (or the lane socket) instead.
pub(crate) const ON_THE_PIPE: u32 = u32::MAX;

/// The whole of a memory file, mapped shared; unmapped on drop.
pub(crate) struct Mapping {
    base: *mut u8,
    size: usize,
    /// The bytes of each area, the request's and the reply's.
    pub(crate) cap: usize,
}

// SAFETY: the memory is only touched through atomics (the header) and by the one side whose
// turn the state byte says it is (the request and reply areas).
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `size` bytes of `memory` (at least the header and a page each way).
    pub(crate) fn map(memory: &OwnedFd, size: usize) -> std::io::Result<Mapping> {
        if size < HEADER + 2 * 4096 {
            return Err(std::io::Error::other(format!("{size} bytes is too small")));
        }
        // SAFETY: a shared mapping of `size` bytes of an open file, checked below.
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
        Ok(Mapping {
            base: base.cast(),
            size,
            cap: (size - HEADER) / 2,
        })
    }

    /// A byte of the header, as an atomic.
    pub(crate) fn flag(&self, at: usize) -> &AtomicU8 {
        assert!(at < HEADER);
        // SAFETY: `at` is in the header, inside the mapping, which lives as long as `self`.
        unsafe { AtomicU8::from_ptr(self.base.add(at)) }
    }

    /// A length of the header, read after the state byte said it was written.
    pub(crate) fn length(&self, at: usize) -> u32 {
        let mut bytes = [0u8; 4];
        self.read_into(at, &mut bytes);
        u32::from_le_bytes(bytes)
    }

    /// Writes a length of the header, before the state byte says it is there.
    pub(crate) fn set_length(&self, at: usize, length: u32) {
        self.write(at, &length.to_le_bytes());
    }

    /// The request area's offset.
    pub(crate) fn request_at(&self) -> usize {
        HEADER
    }

    /// The reply area's offset.
    pub(crate) fn reply_at(&self) -> usize {
        HEADER + self.cap
    }

    /// `length` bytes from `at` (cut to the area's end), read in this side's turn.
    pub(crate) fn read(&self, at: usize, length: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; length.min(self.cap)];
        self.read_into(at, &mut bytes);
        bytes
    }

    fn read_into(&self, at: usize, bytes: &mut [u8]) {
        assert!(at + bytes.len() <= self.size);
        // SAFETY: inside the mapping (checked); the other side writes none of it in this
        // side's turn, which the state byte gives.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.add(at), bytes.as_mut_ptr(), bytes.len())
        };
    }

    /// Writes `bytes` at `at`, in this side's turn.
    pub(crate) fn write(&self, at: usize, bytes: &[u8]) {
        assert!(at + bytes.len() <= self.size);
        // SAFETY: inside the mapping (checked); the other side reads none of it until the
        // state byte says so.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(at), bytes.len()) };
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once.
        unsafe { libc::munmap(self.base.cast(), self.size) };
    }
}

/// A pollfd that watches `fd` for input.
pub(crate) fn poll_in(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Reads what a doorbell (a pipe or a socket) holds, without waiting.
pub(crate) fn drain(fd: RawFd) {
    let mut bytes = [0u8; 64];
    let mut fds = [poll_in(fd)];
    // SAFETY: poll(2) with no wait, then read(2) into a local buffer, while it has bytes.
    while unsafe { libc::poll(fds.as_mut_ptr(), 1, 0) } > 0 && fds[0].revents & libc::POLLIN != 0 {
        if unsafe { libc::read(fd, bytes.as_mut_ptr().cast(), bytes.len()) } <= 0 {
            return;
        }
    }
}
