//! Lanes: each kit thread's calls go to one thread of the harbor, as the Logbook's threads do.
//! A harbor that takes lane sockets gets one per lane: the kit thread writes its request and
//! reads the reply there itself, with no thread in between on either side; where the harbor
//! takes a memory with each (`memory`), calls that fit go through it, with no system call.

use std::io::{BufRead, BufReader, Read as _, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::memory::{LaneMemory, Waited};
use crate::fds::{send_fds, socket_pair, spin_until_readable, SPIN};
use crate::protocol::Request;
use crate::sync::lock;
use crate::{binary_request, lines, marshal};

/// The kit's end of one lane's socket.
struct LaneSocket {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    /// The read timeout set on it.
    timeout: Duration,
    /// The memory its calls are posted in, if the harbor takes one.
    memory: Option<LaneMemory>,
}

/// What one exchange on a lane socket gave.
pub(super) enum Exchanged {
    /// The reply line.
    Reply(String),
    /// A binary reply (`crate::marshal`): its whole frame.
    Binary(Vec<u8>),
    /// No reply within the time given.
    TimedOut,
    /// The socket closed or failed: the harbor is gone, or closed its end.
    Closed(String),
    /// A line the kit refuses (too long, not UTF-8).
    Refused(String),
}

type Free = Mutex<Vec<(u64, Option<LaneSocket>)>>;

static INSTANCES: AtomicU64 = AtomicU64::new(0);

/// The lanes of one harbor process.
pub(super) struct Lanes {
    /// This harbor's number, for the lanes its kit threads hold.
    instance: u64,
    /// Lanes whose kit thread has ended, to be given again (with their sockets).
    free: Arc<Free>,
    next: AtomicU64,
    /// Where the harbor takes lane sockets, if it does.
    sockets: Option<OwnedFd>,
    /// Whether it takes a memory with each.
    memory: bool,
    /// Whether it reads binary requests in that memory (`crate::binary_request`).
    frames: bool,
}

impl Lanes {
    pub(super) fn new(sockets: Option<OwnedFd>, memory: bool, frames: bool) -> Self {
        Lanes {
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            free: Arc::default(),
            next: AtomicU64::new(0),
            sockets,
            memory,
            frames: memory && frames,
        }
    }

    /// Whether calls go on lane sockets.
    pub(super) fn on_sockets(&self) -> bool {
        self.sockets.is_some()
    }

    /// Whether calls that fit go through a memory with each lane socket.
    pub(super) fn in_memory(&self) -> bool {
        self.sockets.is_some() && self.memory
    }

    /// The calling thread's lane: its own while it lives, given to another thread after it ends,
    /// so the harbor keeps as many threads (and connections) as the kit has at once.
    pub(super) fn lane(&self) -> u64 {
        self.with_hold(|hold| hold.lane)
    }

    /// Sends `request` on the calling thread's lane and reads the reply (lane sockets only):
    /// posted in the lane's memory as a binary request where the harbor reads them and it
    /// fits, else as its JSON line (made by `line`, whose error is returned as it is).
    pub(super) fn exchange<E>(
        &self,
        request: &Request,
        line: impl FnOnce() -> Result<String, E>,
        limit: Duration,
    ) -> Result<Exchanged, E> {
        let Some(sockets) = &self.sockets else {
            return Ok(Exchanged::Closed(
                "the harbor takes no lane sockets".to_owned(),
            ));
        };
        self.with_hold(|hold| {
            if hold.socket.is_none() {
                match open_socket(sockets, hold.lane, self.memory) {
                    Ok(socket) => hold.socket = Some(socket),
                    Err(e) => return Ok(Exchanged::Closed(format!("no lane socket: {e}"))),
                }
            }
            let socket = hold.socket.as_mut().expect("opened above");
            let frame = self
                .frames
                .then(|| binary_request::frame(request))
                .flatten();
            let memory = socket.memory.as_ref();
            let mut posted = frame.is_some_and(|f| memory.is_some_and(|m| m.post(&f)));
            if !posted {
                let line = line()?;
                let body = line.strip_suffix('\n').unwrap_or(&line);
                posted = memory.is_some_and(|m| m.post(body.as_bytes()));
                if !posted {
                    if let Err(e) = socket.writer.write_all(line.as_bytes()) {
                        let why = format!("the harbor closed its lane: {e}");
                        return Ok(Exchanged::Closed(why));
                    }
                }
            }
            if socket.timeout != limit {
                let _ = (socket.writer).set_read_timeout(Some(limit.max(Duration::from_millis(1))));
                socket.timeout = limit;
            }
            if let (true, Some(memory)) = (posted, &socket.memory) {
                match memory.wait(socket.writer.as_raw_fd(), SPIN, limit) {
                    Waited::Reply(bytes) => return Ok(reply_of(bytes)),
                    Waited::OnTheSocket => {} // read below
                    Waited::TimedOut => return Ok(Exchanged::TimedOut),
                    Waited::Closed => {
                        let why = "the harbor process exited".to_owned();
                        return Ok(Exchanged::Closed(why));
                    }
                }
            } else if socket.reader.buffer().is_empty() {
                spin_until_readable(socket.writer.as_raw_fd(), SPIN);
            }
            Ok(match read_reply(&mut socket.reader) {
                Ok(exchanged) => exchanged,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    Exchanged::TimedOut
                }
                Err(e) => Exchanged::Closed(format!("its lane failed: {e}")),
            })
        })
    }

    /// Runs `f` on the calling thread's hold of a lane of this harbor, taken first if need be:
    /// its own while it lives, given to another thread after it ends, so the harbor keeps as
    /// many threads (and connections) as the kit has at once.
    fn with_hold<T>(&self, f: impl FnOnce(&mut LaneHold) -> T) -> T {
        HELD_LANES.with(|held| {
            let mut held = held.borrow_mut();
            held.retain(|h| h.free.strong_count() > 0);
            let at = match held.iter().position(|h| h.instance == self.instance) {
                Some(at) => at,
                None => {
                    let (lane, socket) = lock(&self.free)
                        .pop()
                        .unwrap_or_else(|| (self.next.fetch_add(1, Ordering::Relaxed), None));
                    held.push(LaneHold {
                        instance: self.instance,
                        lane,
                        socket,
                        free: Arc::downgrade(&self.free),
                        stuck: false,
                    });
                    held.len() - 1
                }
            };
            f(&mut held[at])
        })
    }

    /// Gives up the calling thread's lane, whose call timed out and still runs in the harbor:
    /// the thread's next call takes a fresh lane rather than queue behind it.
    pub(super) fn abandon(&self) {
        HELD_LANES.with(|held| {
            let mut held = held.borrow_mut();
            if let Some(i) = held.iter().position(|h| h.instance == self.instance) {
                let mut hold = held.remove(i);
                hold.stuck = true; // (its socket closes with it: the late reply finds no reader)
            }
        });
    }
}

/// A lane held by a kit thread; it goes back to its harbor's free lanes when the thread ends,
/// unless a call of it is still running in the harbor (`stuck`): then it is never given again.
struct LaneHold {
    instance: u64,
    lane: u64,
    socket: Option<LaneSocket>,
    free: Weak<Free>,
    stuck: bool,
}

impl Drop for LaneHold {
    fn drop(&mut self) {
        if let (false, Some(free)) = (self.stuck, self.free.upgrade()) {
            lock(&free).push((self.lane, self.socket.take()));
        }
    }
}

/// A reply as its bytes came (no newline): a binary frame, or a line the kit reads or refuses.
fn reply_of(bytes: Vec<u8>) -> Exchanged {
    if bytes.first() == Some(&marshal::FRAME) {
        return Exchanged::Binary(bytes);
    }
    match lines::checked(bytes, lines::PROTOCOL_LINE_CAP) {
        Ok(reply) => Exchanged::Reply(reply),
        Err(why) => Exchanged::Refused(why),
    }
}

/// The next reply on a lane socket: a line up to its newline, or a frame of the length its
/// header gives; its end is the harbor's.
fn read_reply(reader: &mut BufReader<UnixStream>) -> std::io::Result<Exchanged> {
    if reader.fill_buf()?.first() != Some(&marshal::FRAME) {
        return Ok(
            match lines::read_protocol_line(reader, lines::PROTOCOL_LINE_CAP)? {
                Some(Ok(reply)) => Exchanged::Reply(reply),
                Some(Err(why)) => Exchanged::Refused(why),
                None => Exchanged::Closed("the harbor process exited".to_owned()),
            },
        );
    }
    let mut bytes = vec![0; marshal::HEADER];
    reader.read_exact(&mut bytes)?;
    let length = marshal::header(&bytes).map_or(0, |(_, length)| length);
    if length > lines::PROTOCOL_LINE_CAP as u64 {
        let mib = lines::PROTOCOL_LINE_CAP >> 20;
        let why = format!("the harbor wrote a binary reply longer than {mib} MiB (the kit's cap)");
        return Ok(Exchanged::Refused(why));
    }
    bytes.resize(marshal::HEADER + length as usize, 0);
    reader.read_exact(&mut bytes[marshal::HEADER..])?;
    Ok(Exchanged::Binary(bytes))
}

/// A new socket for `lane` (and a memory, if `with_memory`), the harbor's ends sent to it.
fn open_socket(sockets: &OwnedFd, lane: u64, with_memory: bool) -> std::io::Result<LaneSocket> {
    let (ours, theirs) = socket_pair(libc::SOCK_STREAM)?;
    let mut memory = with_memory.then(LaneMemory::new).transpose()?;
    let mut fds = vec![theirs.as_raw_fd()];
    fds.extend(memory.iter().flat_map(LaneMemory::fds));
    send_fds(sockets.as_raw_fd(), lane.to_string().as_bytes(), &fds)?;
    drop(theirs);
    if let Some(memory) = &mut memory {
        memory.sent();
    }
    let writer = UnixStream::from(ours);
    let reader = BufReader::new(writer.try_clone()?);
    Ok(LaneSocket {
        reader,
        writer,
        timeout: Duration::ZERO,
        memory,
    })
}

thread_local! {
    static HELD_LANES: std::cell::RefCell<Vec<LaneHold>> = const { std::cell::RefCell::new(Vec::new()) };
}
