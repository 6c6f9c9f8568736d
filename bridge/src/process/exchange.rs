//! A call on the calling thread's own lane, and its reply read: a line, or a binary frame; a
//! frame the kit cannot read as it is asked for again, as the lane's JSON reply.

use conformance::{LimaniError, Result};

use super::lanes::Exchanged;
use super::{Answered, ProcessLimani};
use crate::protocol::{self, Call, Outcome, Request};
use crate::sync::lock;

impl ProcessLimani {
    /// A call on the calling thread's own lane socket: `line` makes its JSON line where no
    /// binary request is posted (an error of its own: the request cannot be sent).
    pub(super) fn exchange(
        &self,
        id: u64,
        request: &Request,
        line: impl FnOnce() -> Result<String>,
    ) -> Result<Answered> {
        let timeout = self.command.call_timeout;
        let mut exchanged = self.lanes.exchange(request, line, timeout)?;
        let mut asked_again = false;
        let read = loop {
            break match exchanged {
                Exchanged::Binary(frame) => match crate::marshal::frame(&frame) {
                    Ok((answered, value)) => Ok((Some(answered), Outcome::Ok(value))),
                    // (a result a frame carries but JSON writes otherwise, or not at all: a set,
                    // bytes, a tuple as a key, an int of 4300 digits; the lane kept it)
                    Err(_) if !asked_again && own(&frame, id) => {
                        asked_again = true;
                        exchanged = self.reply_again(id, request.lane)?;
                        continue;
                    }
                    Err(e) => Err(format!(
                        "the harbor wrote a binary reply the kit cannot read: {e}"
                    )),
                },
                Exchanged::Reply(reply) => match protocol::read_reply(&reply) {
                    Ok(read) => Ok((read.id, read.outcome)),
                    Err(e) => {
                        let shown = conformance::toolkit::shorten(&reply, 200, 0);
                        Err(format!(
                            "the harbor wrote a line that is not a protocol reply ({e}): {shown}"
                        ))
                    }
                },
                Exchanged::TimedOut => return Ok(Answered::TimedOut),
                Exchanged::Closed(why) | Exchanged::Refused(why) => Err(why),
            };
        };
        let why = match read {
            Ok((answered, outcome)) if answered == Some(id) => return Ok(Answered::from(outcome)),
            Ok((answered, _)) => {
                format!("the harbor answered request {answered:?} on the lane of request {id}")
            }
            Err(why) => why,
        };
        lock(&self.shared.gone).get_or_insert(why);
        Ok(Answered::Gone)
    }

    /// Asks the lane for its last result again, as its JSON reply.
    fn reply_again(&self, id: u64, lane: u64) -> Result<Exchanged> {
        let again = Request {
            id,
            lane,
            call: Call::ReplyAgain {},
        };
        let line = || {
            serde_json::to_string(&again)
                .map(|line| line + "\n")
                .map_err(|e| LimaniError::invalid("reply_again", e.to_string()))
        };
        self.lanes.exchange(&again, line, self.command.call_timeout)
    }
}

/// Whether `frame`'s header names request `id`.
fn own(frame: &[u8], id: u64) -> bool {
    crate::marshal::header(frame).is_some_and(|(answered, _)| answered == id)
}
