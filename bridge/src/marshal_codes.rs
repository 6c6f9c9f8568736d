//! Values written in `marshal`'s codes (read by every Python 3), and a payload's JSON text
//! written in them as the value Python's `json.loads` makes of it (`crate::binary_request`):
//! read as it goes, with no value built (the contract's `Exact` builds one, several times
//! slower on this hot path), a document it cannot write exactly left as text.

use limani_contract::exact::short_escape;

/// Nesting past this depth keeps a payload as its text.
const MAX_NESTING: usize = 64;

/// A payload's JSON `text` as marshal's `(value,)`, `value` the very one `json.loads(text)`
/// gives (the tuple says it is read already: JSON has none); `false`, nothing written, for a
/// document that stays text: an int past 64 bits, a lone surrogate, a `NaN`, nesting past 64,
/// or text that is not one JSON document as Python reads it.
pub fn payload(text: &str, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    out.extend_from_slice(&[b'(', 1, 0, 0, 0]);
    let mut doc = Document {
        s: text.as_bytes(),
        i: 0,
        out,
    };
    let read = doc.value(0).is_some() && {
        doc.ws();
        doc.i == doc.s.len()
    };
    if !read {
        out.truncate(start);
    }
    read
}

/// A JSON document read and written as it goes; each step `None` where it stays text.
struct Document<'a> {
    s: &'a [u8],
    i: usize,
    out: &'a mut Vec<u8>,
}

impl Document<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> Option<()> {
        self.s[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_NESTING {
            return None;
        }
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => self.object(depth),
            b'[' => self.list(depth),
            b'"' => self.text(),
            b'-' | b'0'..=b'9' => self.number(),
            b'n' => self.eat(b"null").map(|()| self.out.push(b'N')),
            b't' => self.eat(b"true").map(|()| self.out.push(b'T')),
            b'f' => self.eat(b"false").map(|()| self.out.push(b'F')),
            // (`json.loads` gives one NaN object each time, and lists holding it compare equal)
            b'N' => None,
            b'I' => (self.eat(b"Infinity")).map(|()| write_float(f64::INFINITY, self.out)),
            _ => None,
        }
    }

    fn list(&mut self, depth: usize) -> Option<()> {
        self.i += 1;
        self.out.push(b'[');
        let count_at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        let mut count = 0u32;
        self.ws();
        if self.eat(b"]").is_none() {
            loop {
                self.value(depth + 1)?;
                count = count.checked_add(1)?;
                self.ws();
                if self.eat(b"]").is_some() {
                    break;
                }
                self.eat(b",")?;
            }
        }
        self.out[count_at..count_at + 4].copy_from_slice(&count.to_le_bytes());
        Some(())
    }

    /// Each key and value in the text's order, a repeated key too: marshal and `json.loads`
    /// both set them one after the other (the first place, the last value).
    fn object(&mut self, depth: usize) -> Option<()> {
        self.i += 1;
        self.out.push(b'{');
        self.ws();
        if self.eat(b"}").is_none() {
            loop {
                self.ws();
                if self.s.get(self.i) != Some(&b'"') {
                    return None;
                }
                self.text()?;
                self.ws();
                self.eat(b":")?;
                self.value(depth + 1)?;
                self.ws();
                if self.eat(b"}").is_some() {
                    break;
                }
                self.eat(b",")?;
            }
        }
        self.out.push(b'0');
        Some(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` as Python reads it: with a fraction or an
    /// exponent `float()` of the text (the nearest double, as Rust's), else `int()`.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        if self.eat(b"-").is_some() && self.eat(b"Infinity").is_some() {
            write_float(f64::NEG_INFINITY, self.out);
            return Some(());
        }
        match self.s.get(self.i)? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') && self.digit_at(self.i + 1) {
            self.i += 1;
            self.digits();
            float = true;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.s.get(self.i + 1), Some(b'-' | b'+')));
            if !self.digit_at(self.i + 1 + sign) {
                return None; // (Python reads the number without it, then fails on the `e`)
            }
            self.i += 1 + sign;
            self.digits();
            float = true;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if float {
            write_float(text.parse().ok()?, self.out);
        } else if let Ok(i) = text.parse::<i64>() {
            write_int(i, self.out);
        } else {
            write_long(false, text.parse::<u64>().ok()?, self.out);
        }
        Some(())
    }

    fn digit_at(&self, at: usize) -> bool {
        self.s.get(at).is_some_and(u8::is_ascii_digit)
    }

    fn digits(&mut self) {
        while self.digit_at(self.i) {
            self.i += 1;
        }
    }

    /// A string written as text: straight from the document where it has no escape.
    fn text(&mut self) -> Option<()> {
        let start = self.i + 1;
        let run = self.s[start..]
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f))?;
        if self.s[start + run] == b'"' {
            write_text(
                std::str::from_utf8(&self.s[start..start + run]).ok()?,
                self.out,
            );
            self.i = start + run + 1;
        } else {
            let text = self.string()?;
            write_text(&text, self.out);
        }
        Some(())
    }

    /// A string's text, its escapes read (a surrogate pair joined; a lone one stays text).
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut text = String::new();
        loop {
            let start = self.i;
            let run = self.s[start..]
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f))?;
            self.i = start + run;
            text.push_str(std::str::from_utf8(&self.s[start..self.i]).ok()?);
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => return Some(text),
                b'\\' => {
                    let escaped = *self.s.get(self.i)?;
                    self.i += 1;
                    text.push(match (escaped, short_escape(escaped)) {
                        (_, Some(c)) => c,
                        (b'u', None) => self.unicode()?,
                        _ => return None,
                    });
                }
                _ => return None, // (a control character: `json.loads` refuses it)
            }
        }
    }

    fn unicode(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xE000).contains(&high) {
            return char::from_u32(high);
        }
        if high >= 0xDC00 {
            return None;
        }
        self.eat(b"\\u")?;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.i..self.i + 4)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }
}

/// An int: `i` where 32 bits hold it, else `l`.
pub fn write_int(v: i64, out: &mut Vec<u8>) {
    match i32::try_from(v) {
        Ok(small) => {
            out.push(b'i');
            out.extend_from_slice(&small.to_le_bytes());
        }
        Err(_) => write_long(v < 0, v.unsigned_abs(), out),
    }
}

/// An int past 32 bits: its count of 15-bit digits (negative for a negative int), then the
/// digits, least significant first.
pub fn write_long(negative: bool, mut magnitude: u64, out: &mut Vec<u8>) {
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

/// A float as `g`: its eight bytes, so exact.
pub fn write_float(v: f64, out: &mut Vec<u8>) {
    out.push(b'g');
    out.extend_from_slice(&v.to_le_bytes());
}

/// Text: ASCII as `z` (short) or `a`, the rest as `u` (UTF-8).
pub fn write_text(s: &str, out: &mut Vec<u8>) {
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

/// A length as marshal writes it (one past 2 GiB makes the frame refused, in
/// `binary_request::frame`).
pub fn length(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
