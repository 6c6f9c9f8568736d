//! What a run of `limani` gave, as the CLI tests read it.

use std::process::Output;

/// The exit code (-1 when killed by a signal), stdout and stderr of a finished `limani`.
pub fn of(out: Output) -> (i32, String, String) {
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}
