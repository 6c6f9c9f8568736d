//! Reading JSON text as Python's `json.loads` does.

use super::value::{Exact, ParseError, MAX_DEPTH};

/// Reads one JSON document (surrounding whitespace allowed, nothing else); with `build` false,
/// only checks it (the same grammar, nothing kept: what a payload's check needs).
pub(super) fn parse(text: &str, build: bool) -> Result<Exact, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        build,
    };
    let value = p.value(0)?;
    p.ws();
    match p.i == p.s.len() {
        true => Ok(value),
        false => Err(p.err("text after the document")),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Whether values are built (else each is read and dropped, as `Exact::Null`).
    build: bool,
}

impl Parser<'_> {
    fn err(&self, reason: &'static str) -> ParseError {
        ParseError { at: self.i, reason }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, word: &[u8]) -> bool {
        let found = self.s[self.i..].starts_with(word);
        if found {
            self.i += word.len();
        }
        found
    }

    fn value(&mut self, depth: usize) -> Result<Exact, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deep"));
        }
        self.ws();
        match self.peek() {
            None => Err(self.err("no value")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.list(depth),
            Some(b'"') => self.string().map(Exact::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) if self.eat(b"null") => Ok(Exact::Null),
            Some(_) if self.eat(b"true") => Ok(Exact::Bool(true)),
            Some(_) if self.eat(b"false") => Ok(Exact::Bool(false)),
            // Python's json writes and reads these three.
            Some(_) if self.eat(b"NaN") => Ok(Exact::Float(f64::NAN)),
            Some(_) if self.eat(b"Infinity") => Ok(Exact::Float(f64::INFINITY)),
            Some(_) => Err(self.err("not a JSON value")),
        }
    }

    fn list(&mut self, depth: usize) -> Result<Exact, ParseError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b"]") {
            return Ok(Exact::List(items));
        }
        loop {
            let item = self.value(depth + 1)?;
            if self.build {
                items.push(item);
            }
            self.ws();
            if self.eat(b"]") {
                return Ok(Exact::List(items));
            }
            if !self.eat(b",") {
                return Err(self.err("expected , or ]"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Exact, ParseError> {
        self.i += 1;
        let mut fields: Vec<(String, Exact)> = Vec::new();
        self.ws();
        if self.eat(b"}") {
            return Ok(Exact::Object(fields));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a key"));
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(b":") {
                return Err(self.err("expected :"));
            }
            let value = self.value(depth + 1)?;
            if self.build {
                match fields.iter_mut().find(|(k, _)| *k == key) {
                    Some(field) => field.1 = value,
                    None => fields.push((key, value)),
                }
            }
            self.ws();
            if self.eat(b"}") {
                return Ok(Exact::Object(fields));
            }
            if !self.eat(b",") {
                return Err(self.err("expected , or }"));
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.err("bad \\u escape"));
        }
        let text = std::str::from_utf8(digits).map_err(|_| self.err("bad \\u escape"))?;
        let code = u32::from_str_radix(text, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.i += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            let plain = self.s[start..]
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f));
            self.i = plain.map_or(self.s.len(), |n| start + n);
            // The input is a &str, and the run stops at an ASCII byte: a char boundary.
            if self.build {
                out.push_str(
                    std::str::from_utf8(&self.s[start..self.i])
                        .map_err(|_| self.err("bad UTF-8"))?,
                );
            }
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or_else(|| self.err("unfinished escape"))?;
                    self.i += 1;
                    let c = match (c, short_escape(c)) {
                        (_, Some(c)) => c,
                        (b'u', None) => self.unicode()?,
                        _ => return Err(self.err("bad escape")),
                    };
                    if self.build {
                        out.push(c);
                    }
                }
                Some(_) => return Err(self.err("control character in a string")),
                None => return Err(self.err("unfinished string")),
            }
        }
    }

    /// A `\u` escape; a lone surrogate (which Python allows) becomes U+FFFD.
    fn unicode(&mut self) -> Result<char, ParseError> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) && self.s[self.i..].starts_with(b"\\u") {
            let back = self.i;
            self.i += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.i = back;
        }
        Ok(char::from_u32(high).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self) -> Result<Exact, ParseError> {
        let start = self.i;
        if self.eat(b"-Infinity") {
            return Ok(Exact::Float(f64::NEG_INFINITY));
        }
        self.eat(b"-");
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - from
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return Err(self.err("bad number"));
        }
        let mut float = false;
        if self.eat(b".") {
            float = true;
            if digits(self) == 0 {
                return Err(self.err("bad fraction"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            let _ = self.eat(b"+") || self.eat(b"-");
            if digits(self) == 0 {
                return Err(self.err("bad exponent"));
            }
        }
        if !self.build {
            return Ok(Exact::Null);
        }
        let text =
            std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("bad number"))?;
        if float {
            return text
                .parse()
                .map(Exact::Float)
                .map_err(|_| self.err("bad number"));
        }
        Ok(Exact::Int(match text {
            "-0" => "0".to_owned(),
            _ => text.to_owned(),
        }))
    }
}

/// The character a one-letter escape after a backslash stands for (`\\n`, `\\"`, ...); `None`
/// for `u` (four hex digits follow) and for what is no escape.
pub fn short_escape(c: u8) -> Option<char> {
    Some(match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}
