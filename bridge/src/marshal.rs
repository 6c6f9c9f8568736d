//! A lane's binary reply: a harbor's plain result in Python's `marshal` format (version 4),
//! which CPython writes several times quicker than JSON, read into the very `Value` its JSON
//! reply would have given (`docs/bridge-protocol.md`, "Binary replies").
//!
//! Only what a plain result holds is read: `None`, booleans, ints, floats, text, lists, tuples
//! and dicts keyed by text. A non-finite float is marked as `plain` marks it; an int too large
//! for 64 bits is read from its digits as the JSON reply's would be.

use limani_contract::exact::float_text;
use serde_json::{Map, Number, Value};

/// A frame's first byte (a JSON line starts with `{`).
pub const FRAME: u8 = 0;
/// The most values a reply line of the kit's cap holds (`[0,0,...]`: two bytes each).
const MAX_VALUES: usize = crate::lines::PROTOCOL_LINE_CAP / 2;
/// The most 15-bit digits an int of 4300 decimal digits takes (Python writes no longer one).
const MAX_INT_DIGITS: usize = 953;
/// The frame's header: [`FRAME`], the request id and the body's length (little-endian `u64`s).
pub const HEADER: usize = 17;
/// How many containers a result may nest: as many as its JSON reply may (serde_json reads 127
/// in a line, the reply's own object one of them).
const DEPTH: usize = 126;

/// The frame's request id and body length, from its first [`HEADER`] bytes.
pub fn header(bytes: &[u8]) -> Option<(u64, u64)> {
    let word = |at: usize| {
        bytes
            .get(at..at + 8)?
            .try_into()
            .ok()
            .map(u64::from_le_bytes)
    };
    (bytes.first() == Some(&FRAME)).then_some(())?;
    Some((word(1)?, word(9)?))
}

/// A whole frame, header and body: its request id and result.
pub fn frame(bytes: &[u8]) -> Result<(u64, Value), String> {
    let (id, length) = header(bytes).ok_or("a binary reply shorter than its header")?;
    let body = &bytes[HEADER..];
    if body.len() as u64 != length {
        return Err(format!(
            "a binary reply of {} bytes where its header says {length}",
            body.len()
        ));
    }
    Ok((id, decode(body)?))
}

/// The value `bytes` hold, all of them.
pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    decode_at_most(bytes, MAX_VALUES)
}

/// [`decode`], refused past `values` values made.
fn decode_at_most(bytes: &[u8], values: usize) -> Result<Value, String> {
    let mut reader = Reader {
        bytes,
        at: 0,
        refs: Vec::new(),
        digits: None,
        again: false,
        spent: bytes.len(),
        values,
    };
    let value = reader.value(0)?;
    match reader.at == bytes.len() {
        true => Ok(value),
        false => Err(format!("{} bytes after the value", bytes.len() - reader.at)),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The objects written with `FLAG_REF`, in the order they began.
    refs: Vec<Ref>,
    /// The digits of the value just read, when it is an int beyond 64 bits (read as a float).
    digits: Option<String>,
    /// Whether a container is read again for a reference to it (its objects are known already).
    again: bool,
    /// The bytes read so far, references counted at their size each time: a reply repeats no
    /// more than the kit's cap of a reply line holds, however its objects are shared.
    spent: usize,
    /// How many more values may be made: no more than a reply line of the kit's cap holds.
    values: usize,
}

/// An object a later reference may name.
enum Ref {
    /// Begun, not read to its end.
    Begun,
    /// A scalar (a big int with its digits).
    Scalar(Value, Option<String>),
    /// A container, by where its bytes are: read again for each reference (no copy kept).
    Container(std::ops::Range<usize>),
}

const FLAG_REF: u8 = 0x80;

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| format!("the value ends early (at byte {})", self.at))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn i32(&mut self) -> Result<i32, String> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn length(&mut self) -> Result<usize, String> {
        usize::try_from(self.i32()?).map_err(|_| "a negative length".to_owned())
    }

    /// A value (not a key): an int past what a JSON number reads is refused here, as its JSON
    /// reply is; a non-finite float's mark counts as a container.
    fn value(&mut self, depth: usize) -> Result<Value, String> {
        let value = self.item(depth)?;
        if let (Value::Null, Some(digits)) = (&value, &self.digits) {
            let shown: String = digits.chars().take(24).collect();
            return Err(format!(
                "the int {shown}... ({} digits): out of the range of a JSON number",
                digits.len()
            ));
        }
        if depth >= DEPTH && value.is_object() {
            return Err(format!("more than {DEPTH} containers nested"));
        }
        Ok(value)
    }

    /// A value or a key, as it comes.
    fn item(&mut self, depth: usize) -> Result<Value, String> {
        let start = self.at;
        let code = self.byte()?;
        self.digits = None;
        if code & !FLAG_REF == b'r' {
            let index = self.length()?;
            return self.referenced(index, depth);
        }
        self.values = (self.values.checked_sub(1)).ok_or_else(|| {
            "a binary reply of more values than a reply line of the kit's cap holds".to_owned()
        })?;
        let slot = (code & FLAG_REF != 0 && !self.again).then(|| {
            self.refs.push(Ref::Begun);
            self.refs.len() - 1
        });
        let value = self.body(code & !FLAG_REF, depth)?;
        let container = is_container(code & !FLAG_REF);
        if container {
            self.digits = None; // (its last item may have left its own)
        }
        if let Some(slot) = slot {
            self.refs[slot] = match container {
                true => Ref::Container(start..self.at),
                false => Ref::Scalar(value.clone(), self.digits.clone()),
            };
        }
        Ok(value)
    }

    /// The object `index` of the references, again.
    fn referenced(&mut self, index: usize, depth: usize) -> Result<Value, String> {
        self.spent += match self.refs.get(index) {
            Some(Ref::Scalar(Value::String(text), _)) => text.len(),
            Some(Ref::Container(range)) => range.len(),
            _ => 8,
        };
        if self.spent > crate::lines::PROTOCOL_LINE_CAP {
            let mib = crate::lines::PROTOCOL_LINE_CAP >> 20;
            return Err(format!(
                "a binary reply its references make longer than {mib} MiB (the kit's cap)"
            ));
        }
        match self.refs.get(index) {
            Some(Ref::Scalar(value, digits)) => {
                self.digits = digits.clone();
                Ok(value.clone())
            }
            Some(Ref::Container(range)) => {
                let (back, again) = (self.at, self.again);
                (self.at, self.again) = (range.start, true);
                let value = self.item(depth);
                (self.at, self.again) = (back, again);
                value
            }
            _ => Err(format!("a reference to object {index}, not read before")),
        }
    }

    fn body(&mut self, code: u8, depth: usize) -> Result<Value, String> {
        if depth >= DEPTH && is_container(code) {
            return Err(format!("more than {DEPTH} containers nested"));
        }
        Ok(match code {
            b'N' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' => Value::from(self.i32()?),
            b'l' => self.long()?,
            b'g' => float(f64::from_le_bytes(
                self.take(8)?.try_into().expect("8 bytes"),
            )),
            b'u' | b't' | b'a' | b'A' => {
                let n = self.length()?;
                self.text(n)?
            }
            b'z' | b'Z' => {
                let n = self.byte()? as usize;
                self.text(n)?
            }
            b'(' | b'[' => {
                let n = self.length()?;
                self.items(n, depth)?
            }
            b')' => {
                let n = self.byte()? as usize;
                self.items(n, depth)?
            }
            b'{' => self.dict(depth)?,
            other => {
                return Err(format!(
                    "a value of marshal type {:?}, which a plain result never holds",
                    other as char
                ))
            }
        })
    }

    fn text(&mut self, n: usize) -> Result<Value, String> {
        let at = self.at;
        let bytes = self.take(n)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Value::String(text.to_owned())),
            Err(_) => Err(format!(
                "text that is not UTF-8 (a lone surrogate?) at byte {at}"
            )),
        }
    }

    fn items(&mut self, n: usize, depth: usize) -> Result<Value, String> {
        // (each item takes a byte at least: a length past the end is refused before any is made)
        if n > self.bytes.len() - self.at {
            return Err(format!("a list of {n} items in fewer bytes"));
        }
        let items = (0..n).map(|_| self.value(depth + 1));
        Ok(Value::Array(items.collect::<Result<_, _>>()?))
    }

    fn dict(&mut self, depth: usize) -> Result<Value, String> {
        let mut map = Map::new();
        loop {
            if self.bytes.get(self.at) == Some(&b'0') {
                self.at += 1;
                return Ok(Value::Object(map));
            }
            let key = self.key(depth + 1)?;
            let value = self.value(depth + 1)?;
            map.insert(key, value);
        }
    }

    /// A dict's key as JSON writes it: text as it is; an int in decimal; `true`, `false`,
    /// `null`; a float as Python's `repr` (`nan`, `inf`, `-inf` as `str` gives them).
    fn key(&mut self, depth: usize) -> Result<String, String> {
        let key = self.item(depth)?;
        if let Some(digits) = self.digits.take() {
            return Ok(digits);
        }
        Ok(match key {
            Value::String(key) => key,
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Number(n) if n.is_f64() => float_text(n.as_f64().unwrap_or(f64::NAN)),
            Value::Number(n) => n.to_string(),
            Value::Object(mark) => match mark.get("$float").and_then(Value::as_str) {
                Some(mark) => mark.to_owned(),
                None => return Err("a dict keyed by a dict".to_owned()),
            },
            Value::Array(_) => return Err("a dict keyed by a tuple".to_owned()),
        })
    }

    /// An int of 15-bit digits, least significant first; its sign is the count's.
    fn long(&mut self) -> Result<Value, String> {
        let count = self.i32()?;
        let n = count.unsigned_abs() as usize;
        let digits: Vec<u16> = (self.take(2 * n)?.chunks(2))
            .map(|d| u16::from_le_bytes([d[0], d[1]]))
            .collect();
        if digits.iter().any(|&d| d >= 1 << 15) {
            return Err("an int digit of 15 bits or more".to_owned());
        }
        if n > MAX_INT_DIGITS {
            return Err("an int of more than 4300 digits (Python's own limit)".to_owned());
        }
        let negative = count < 0;
        if n <= 8 {
            let magnitude = (digits.iter().rev()).fold(0u128, |m, &d| (m << 15) | d as u128);
            let fits = match negative {
                false => u64::try_from(magnitude).ok().map(Value::from),
                true => (magnitude <= 1 << 63)
                    .then(|| Value::from((magnitude as i128).wrapping_neg() as i64)),
            };
            if let Some(value) = fits {
                return Ok(value);
            }
        }
        // (beyond 64 bits, as the JSON reply's digits are read: serde_json's nearest float)
        let text = format!("{}{}", if negative { "-" } else { "" }, decimal(digits));
        // (past a JSON number's range, a key still: its digits; a value is refused by `value`)
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.digits = Some(text);
        Ok(value)
    }
}

/// Whether a marshal type code is a list, a tuple or a dict.
fn is_container(code: u8) -> bool {
    matches!(code, b'(' | b')' | b'[' | b'{')
}

/// A float as the JSON reply gives it: a number, or the mark `plain` gives a non-finite one.
fn float(x: f64) -> Value {
    match Number::from_f64(x) {
        Some(number) => Value::Number(number),
        None => {
            let mark = match x {
                x if x.is_nan() => "nan",
                x if x > 0.0 => "inf",
                _ => "-inf",
            };
            serde_json::json!({ "$float": mark })
        }
    }
}

/// The decimal digits of an int given as 15-bit digits, least significant first.
fn decimal(mut digits: Vec<u16>) -> String {
    let mut groups = Vec::new(); // of four decimal digits, least significant first
    while digits.iter().any(|&d| d != 0) {
        let mut rest = 0u32;
        for d in digits.iter_mut().rev() {
            let current = (rest << 15) | *d as u32;
            *d = (current / 10_000) as u16;
            rest = current % 10_000;
        }
        groups.push(rest);
        while digits.last() == Some(&0) {
            digits.pop();
        }
    }
    let mut text = groups.pop().map_or("0".to_owned(), |g| g.to_string());
    for group in groups.iter().rev() {
        text += &format!("{group:04}");
    }
    text
}

#[cfg(test)]
mod tests {
    /// However a frame shares its objects, it makes no more values than a reply line can hold.
    #[test]
    fn a_frame_makes_no_more_values_than_its_limit() {
        // a list of 3: a list of 2 Nones (shared) and two references to it: 10 values
        let frame = b"[\x03\x00\x00\x00\xdb\x02\x00\x00\x00NNr\x00\x00\x00\x00r\x00\x00\x00\x00";
        let read = super::decode_at_most(frame, 10).unwrap();
        assert_eq!(
            read,
            serde_json::json!([[null, null], [null, null], [null, null]])
        );
        let refused = super::decode_at_most(frame, 9).unwrap_err();
        assert!(
            refused.contains("more values than a reply line"),
            "{refused}"
        );
    }
}
