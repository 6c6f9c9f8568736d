//! Text from a harbor, made safe and bounded for a terminal, a file and a Markdown page.

use std::fmt::Write;

/// Text from a harbor made safe for a terminal and a file: control characters (ANSI colours,
/// title-setting escapes, bells) are shown as `\u{1b}`, never sent as they are.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The longest line of a message a report keeps, and the longest message.
const LINE_CAP: usize = 4096;
const MESSAGE_CAP: usize = 1 << 20;

/// The most a failure's whole call log keeps: 16 MiB; past it, the earliest calls go first,
/// and a line says how many.
pub(crate) const CALLS_BOUND: usize = 16 << 20;

/// A call log made printable and kept within [`CALLS_BOUND`], its latest calls kept.
pub(crate) fn bounded_calls(calls: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    let mut size = 0;
    for call in calls.iter().rev() {
        size += call.len();
        if size > CALLS_BOUND {
            let left = calls.len() - kept.len();
            kept.push(format!(
                "… {left} earlier calls left out (the log is kept to 16 MiB)"
            ));
            break;
        }
        kept.push(printable(call));
    }
    kept.reverse();
    kept
}

/// A message a person can read: a long line cut in its middle, the whole cut after 1 MiB; each
/// cut says how much it left out. A harbor's 100 MB value never makes a 1 GB report.
pub(crate) fn bounded(message: &str) -> String {
    let mut out = String::new();
    for line in message.split_inclusive('\n') {
        if out.len() + line.len().min(LINE_CAP) > MESSAGE_CAP {
            let _ = write!(
                out,
                "…[message cut at 1 MiB: {} bytes in all]",
                message.len()
            );
            return out;
        }
        match line.len() > LINE_CAP {
            false => out.push_str(line),
            true => {
                let head = floor_char(line, LINE_CAP / 2);
                let tail = ceil_char(line, line.len() - LINE_CAP / 2);
                let cut = tail - head;
                let _ = write!(out, "{}…[{cut} bytes cut]…{}", &line[..head], &line[tail..]);
            }
        }
    }
    out
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The smallest char boundary of `text` at or above `at`.
fn ceil_char(text: &str, at: usize) -> usize {
    (at..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

/// A Markdown code fence longer than any run of backticks in `text`, so the text cannot close it.
pub(crate) fn fence_for(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}
