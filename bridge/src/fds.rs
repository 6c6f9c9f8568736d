//! File descriptors made and passed: pipes, Unix socket pairs, SCM_RIGHTS messages.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// A pipe, both ends closed on exec: `(read, write)`.
pub(crate) fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1; 2];
    // SAFETY: pipe2(2) writes two descriptors into the array, which this function then owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are new and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A pair of connected Unix sockets (`libc::SOCK_SEQPACKET` or `SOCK_STREAM`), closed on exec.
pub(crate) fn socket_pair(kind: i32) -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1; 2];
    let kind = kind | libc::SOCK_CLOEXEC;
    // SAFETY: socketpair(2) writes two descriptors into the array, which this function then owns.
    if unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are new and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// One message with file descriptors attached (SCM_RIGHTS).
pub(crate) fn send_fds(socket: RawFd, data: &[u8], fds: &[RawFd]) -> std::io::Result<()> {
    let payload = std::mem::size_of_val(fds);
    let payload_len = u32::try_from(payload).map_err(std::io::Error::other)?;
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(payload_len) } as usize;
    // u64s: the control buffer must be aligned for a cmsghdr.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: a zeroed msghdr is a valid empty one; every pointer set below outlives the call,
    // and the control buffer holds exactly one cmsghdr with `fds` as its data.
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = &mut iov;
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast();
        message.msg_controllen = space as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(payload_len) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(header).cast(), fds.len());
        if libc::sendmsg(socket, &message, libc::MSG_NOSIGNAL) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// How long a thread watches for the next message before it sleeps: a quick call's reply (or a
/// client's next call) comes sooner than a sleeping thread wakes (tens of microseconds on a
/// virtual machine).
pub(crate) const SPIN: std::time::Duration = std::time::Duration::from_micros(200);

/// Watches `fd` for up to `window` until it can be read, giving way to any other runnable
/// thread meanwhile; the read that follows blocks.
pub(crate) fn spin_until_readable(fd: RawFd, window: std::time::Duration) {
    let started = std::time::Instant::now();
    let mut watched = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    while started.elapsed() < window {
        // SAFETY: poll(2) on one pollfd this function owns, with no wait.
        if unsafe { libc::poll(&mut watched, 1, 0) } != 0 {
            return;
        }
        std::thread::yield_now();
    }
}
