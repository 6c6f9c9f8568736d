//! Lines read from a harbor, bounded: a line that never ends or bytes that are not UTF-8 are
//! diagnosed as what they are, never buffered without limit or mistaken for an exit.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Mutex;

use crate::sync::lock;

/// The longest protocol line the kit reads: above the 16 MiB stdout check once JSON-escaped.
pub const PROTOCOL_LINE_CAP: usize = 64 << 20;
/// How much of one stderr line a diagnosis keeps.
pub const STDERR_LINE_CAP: usize = 2048;

/// The next protocol line: `None` at the end of the stream, `Some(Err(why))` for a line the kit
/// refuses (longer than `cap`, or not UTF-8).
pub fn protocol_line(reader: &mut impl BufRead, cap: usize) -> Option<Result<String, String>> {
    read_protocol_line(reader, cap).ok().flatten()
}

/// [`protocol_line`], with the error of the read itself (a timeout, say) as it came.
pub fn read_protocol_line(
    reader: &mut impl BufRead,
    cap: usize,
) -> std::io::Result<Option<Result<String, String>>> {
    let mut bytes = Vec::new();
    let read = std::io::Read::take(&mut *reader, cap as u64 + 1).read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    Ok(Some(checked(bytes, cap)))
}

/// A line's bytes as text, or why the kit refuses them (longer than `cap`, not UTF-8).
pub(crate) fn checked(mut bytes: Vec<u8>, cap: usize) -> Result<String, String> {
    if bytes.last() != Some(&b'\n') && bytes.len() > cap {
        let mib = cap >> 20;
        return Err(format!(
            "the harbor wrote a line longer than {mib} MiB (the kit's cap) on stdout"
        ));
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!("the harbor wrote bytes that are not UTF-8 on stdout (at byte {at} of a line); the protocol is UTF-8 JSON")
    })
}

/// The next stderr line, cut to `cap` bytes (the rest of a longer line is skipped), lossy UTF-8.
pub fn stderr_line(reader: &mut impl BufRead, cap: usize) -> Option<String> {
    let mut bytes = Vec::new();
    match std::io::Read::take(&mut *reader, cap as u64).read_until(b'\n', &mut bytes) {
        Ok(0) | Err(_) => return None,
        Ok(_) => {}
    }
    let complete = bytes.last() == Some(&b'\n');
    let mut line = String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_owned();
    if !complete && bytes.len() == cap {
        line.push_str(" …[line cut]");
        skip_line(reader);
    }
    Some(line)
}

/// Reads `stderr` to its end, keeping its last `keep` lines (each cut to [`STDERR_LINE_CAP`])
/// in `tail`, for a diagnosis.
pub(crate) fn keep_last(stderr: impl std::io::Read, tail: &Mutex<VecDeque<String>>, keep: usize) {
    let mut stderr = std::io::BufReader::new(stderr);
    while let Some(line) = stderr_line(&mut stderr, STDERR_LINE_CAP) {
        let mut lines = lock(tail);
        lines.push_back(line);
        if lines.len() > keep {
            lines.pop_front();
        }
    }
}

/// Skips to the end of the current line, a buffer at a time.
fn skip_line(reader: &mut impl BufRead) {
    while let Ok(buffer) = reader.fill_buf() {
        if buffer.is_empty() {
            return;
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => return reader.consume(end + 1),
            None => {
                let all = buffer.len();
                reader.consume(all);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_that_never_ends_is_refused_at_the_cap() {
        let mut input = std::io::Cursor::new(vec![b'x'; 100]);
        let line = protocol_line(&mut input, 10).unwrap();
        assert!(line.unwrap_err().contains("longer than"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_as_such() {
        let mut input = std::io::Cursor::new(b"{\"id\": 1, \"ok\": \"\xff\"}\n".to_vec());
        let line = protocol_line(&mut input, 1000).unwrap();
        assert!(line.unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn ordinary_lines_pass_and_the_end_is_none() {
        let mut input = std::io::Cursor::new(b"a\nb".to_vec());
        assert_eq!(protocol_line(&mut input, 10), Some(Ok("a".to_owned())));
        assert_eq!(protocol_line(&mut input, 10), Some(Ok("b".to_owned())));
        assert_eq!(protocol_line(&mut input, 10), None);
    }

    #[test]
    fn long_stderr_lines_are_cut_and_the_next_line_is_kept() {
        let mut text = vec![b'e'; 50];
        text.extend_from_slice(b"\nnext\n");
        let mut input = std::io::Cursor::new(text);
        assert_eq!(stderr_line(&mut input, 8).unwrap(), "eeeeeeee …[line cut]");
        assert_eq!(stderr_line(&mut input, 8).unwrap(), "next");
    }
}
