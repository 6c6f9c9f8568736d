//! A lane's request as a binary frame: [`FRAME`](crate::marshal::FRAME), then the request in
//! `marshal`, which Python reads into the very dict `json.loads` makes of its JSON line (key
//! order aside: a request is read by key), several times quicker (`docs/bridge-protocol.md`,
//! "Binary requests"). Written from the request's JSON value, so both forms say the same.

use serde_json::{Number, Value};

use crate::protocol::Request;

/// The request's frame, or `None` for one that JSON alone can say (or past the 2 GiB a
/// marshal length reads).
pub fn frame(request: &Request) -> Option<Vec<u8>> {
    let value = serde_json::to_value(request).ok()?;
    let mut out = vec![crate::marshal::FRAME];
    write(&value, &mut out);
    // (no length inside is longer than the whole, so none was cut by `length`)
    (out.len() <= i32::MAX as usize).then_some(out)
}

/// `value` in marshal's codes (read by every Python 3): `None`, `True`, `False`, ints as
/// `i` or `l`, floats as `g` (their 8 bytes: exact), text as `z`, `a` or `u`, lists, dicts.
fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(b'N'),
        Value::Bool(true) => out.push(b'T'),
        Value::Bool(false) => out.push(b'F'),
        Value::Number(n) => number(n, out),
        Value::String(s) => text(s, out),
        Value::Array(items) => {
            out.push(b'[');
            out.extend_from_slice(&length(items.len()).to_le_bytes());
            items.iter().for_each(|item| write(item, out));
        }
        Value::Object(map) => {
            out.push(b'{');
            for (key, item) in map {
                text(key, out);
                write(item, out);
            }
            out.push(b'0');
        }
    }
}

fn number(n: &Number, out: &mut Vec<u8>) {
    if let Some(small) = n.as_i64().and_then(|i| i32::try_from(i).ok()) {
        out.push(b'i');
        out.extend_from_slice(&small.to_le_bytes());
    } else if let Some(i) = n.as_i64() {
        long(i < 0, i.unsigned_abs(), out);
    } else if let Some(u) = n.as_u64() {
        long(false, u, out);
    } else {
        out.push(b'g');
        out.extend_from_slice(&n.as_f64().unwrap_or(f64::NAN).to_le_bytes());
    }
}

/// An int past 32 bits: its count of 15-bit digits (negative for a negative int), then the
/// digits, least significant first.
fn long(negative: bool, mut magnitude: u64, out: &mut Vec<u8>) {
    let mut digits = Vec::new();
    while magnitude != 0 {
        digits.push((magnitude & 0x7fff) as u16);
        magnitude >>= 15;
    }
    let count = digits.len() as i32;
    out.push(b'l');
    out.extend_from_slice(&(if negative { -count } else { count }).to_le_bytes());
    digits
        .iter()
        .for_each(|d| out.extend_from_slice(&d.to_le_bytes()));
}

/// Text: ASCII as `z` (short) or `a`, the rest as `u` (UTF-8).
fn text(s: &str, out: &mut Vec<u8>) {
    match (s.is_ascii(), u8::try_from(s.len())) {
        (true, Ok(short)) => out.extend_from_slice(&[b'z', short]),
        (true, Err(_)) => {
            out.push(b'a');
            out.extend_from_slice(&length(s.len()).to_le_bytes());
        }
        (false, _) => {
            out.push(b'u');
            out.extend_from_slice(&length(s.len()).to_le_bytes());
        }
    }
    out.extend_from_slice(s.as_bytes());
}

/// A length as marshal writes it (one past 2 GiB makes the frame refused, in `frame`).
fn length(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
