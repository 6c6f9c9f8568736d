//! The harbor's stdout read on a thread of its own: the handshake, then each reply handed to the
//! caller waiting for it; and what that thread and the callers share.

use std::collections::{HashMap, VecDeque};
use std::io::BufRead;
use std::sync::{mpsc, Mutex};

use serde_json::Value;

use crate::lines;
use crate::protocol::{self, ErrorObject, Hello, Outcome};
use crate::sync::lock;

type Answer = std::result::Result<Value, ErrorObject>;

/// What the reader thread and the callers share.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) pending: Mutex<HashMap<u64, mpsc::Sender<Answer>>>,
    /// Why the harbor can no longer answer, once it cannot.
    pub(super) gone: Mutex<Option<String>>,
    pub(super) stderr: Mutex<VecDeque<String>>,
}

impl Shared {
    pub(super) fn stderr_tail(&self) -> String {
        let lines = lock(&self.stderr);
        match lines.is_empty() {
            true => "(nothing on stderr)".to_owned(),
            false => lines.iter().cloned().collect::<Vec<_>>().join("\n"),
        }
    }
}

/// Reads the handshake, then every reply, handing each to its caller.
pub(super) fn read_replies(mut stdout: impl BufRead, shared: &Shared, hello: mpsc::Sender<Hello>) {
    let mut next = || lines::protocol_line(&mut stdout, lines::PROTOCOL_LINE_CAP);
    match next() {
        Some(Ok(first)) => match protocol::read::<Hello>(&first) {
            Ok(value) => drop(hello.send(value)),
            Err(e) => {
                let shown = conformance::toolkit::shorten(&first, 200, 0);
                *lock(&shared.gone) = Some(format!(
                    "its first line was not a JSON handshake ({e}): {shown}"
                ))
            }
        },
        Some(Err(why)) => *lock(&shared.gone) = Some(why),
        None => {}
    }
    drop(hello); // the caller stops waiting for a handshake now
    while let Some(line) = next() {
        let line = match line {
            Ok(line) => line,
            Err(why) => {
                *lock(&shared.gone) = Some(why);
                break;
            }
        };
        let reply = match protocol::read_reply(&line) {
            Ok(reply) => reply,
            Err(e) => {
                let shown = conformance::toolkit::shorten(&line, 200, 0);
                *lock(&shared.gone) = Some(format!(
                    "the harbor wrote a line that is not a protocol reply ({e}): {shown}"
                ));
                break;
            }
        };
        let Some(caller) = reply.id.and_then(|id| lock(&shared.pending).remove(&id)) else {
            continue;
        };
        let _ = caller.send(match reply.outcome {
            Outcome::Ok(value) => Ok(value),
            Outcome::Error(error) => Err(error),
        });
    }
    lock(&shared.gone).get_or_insert_with(|| "the harbor process exited".to_owned());
    lock(&shared.pending).clear();
}
