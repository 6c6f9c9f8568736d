//! `Exact`: a JSON document as Python's `json.loads` reads it: integers of any size, floats as
//! the nearest double (`NaN` and `Infinity` too), objects in key order (a repeated key keeps
//! its first place and takes the last value).

/// How deep a document may nest; Python's own encoder stops near 1,000.
pub const MAX_DEPTH: usize = 2_000;

/// One JSON value, read exactly.
#[derive(Clone, Debug, PartialEq)]
pub enum Exact {
    Null,
    Bool(bool),
    /// An integer, as canonical decimal text (`-0` is `0`).
    Int(String),
    /// A number with a fraction or an exponent, as Python's `float()` reads it.
    Float(f64),
    Str(String),
    List(Vec<Exact>),
    /// Keys in document order.
    Object(Vec<(String, Exact)>),
}

/// Where and why a text is not one JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

impl Exact {
    /// Reads one JSON document (surrounding whitespace allowed, nothing else).
    pub fn parse(text: &str) -> Result<Exact, ParseError> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let value = p.value(0)?;
        p.ws();
        match p.i == p.s.len() {
            true => Ok(value),
            false => Err(p.err("text after the document")),
        }
    }

    /// The value of `key`, when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Exact> {
        match self {
            Exact::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Compact JSON text, as Python's `json.dumps(separators=(",", ":"))` would write it
    /// (floats in their shortest round-trip form, non-ASCII kept).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        write_value(self, &mut out);
        out
    }

    /// True when both mean the same document; with `key_order`, objects also keep key order.
    pub fn same(&self, other: &Exact, key_order: bool) -> bool {
        match (self, other) {
            (Exact::Float(a), Exact::Float(b)) => {
                a.to_bits() == b.to_bits() || (*a == 0.0 && *b == 0.0)
            }
            (Exact::List(a), Exact::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y, key_order))
            }
            (Exact::Object(a), Exact::Object(b)) if key_order => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.same(vb, key_order))
            }
            (Exact::Object(a), Exact::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, va)| b.iter().any(|(kb, vb)| kb == k && va.same(vb, key_order)))
            }
            _ => self == other,
        }
    }
}

/// The name under which a JSON payload (`Json`, and `Exact`) serializes, so that a serializer
/// can take its text as JSON.
pub const JSON_TOKEN: &str = "$limani_contract::Json";

/// Serializes as a `Json` payload does: its text, as a string inside a newtype named
/// [`JSON_TOKEN`].
impl serde::Serialize for Exact {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(JSON_TOKEN, &self.to_text())
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
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
            items.push(self.value(depth + 1)?);
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
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some(field) => field.1 = value,
                None => fields.push((key, value)),
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
            out.push_str(
                std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("bad UTF-8"))?,
            );
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or_else(|| self.err("unfinished escape"))?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode()?),
                        _ => return Err(self.err("bad escape")),
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

fn write_value(value: &Exact, out: &mut String) {
    match value {
        Exact::Null => out.push_str("null"),
        Exact::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Exact::Int(text) => out.push_str(text),
        Exact::Float(x) => out.push_str(&float_text(*x)),
        Exact::Str(s) => write_string(s, out),
        Exact::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Exact::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// A float as Python's `repr` writes it: shortest round-trip digits, `1.0` not `1`,
/// `1e+16` from 1e16 up, `NaN`/`Infinity` as Python's json writes them.
pub fn float_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits; lay them out as Python's repr does.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let rest = &digits[1..];
        let mantissa = match rest.is_empty() {
            true => digits.clone(),
            false => format!("{}.{}", &digits[..1], rest),
        };
        format!(
            "{sign}{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

fn write_string(s: &str, out: &mut String) {
    write_json_string(s, false, out);
}

/// A JSON string as Python's `json.dumps` writes it: with `ascii`, every character outside
/// printable ASCII as `\uXXXX` (lower-case hex, surrogate pairs), as `ensure_ascii=True` does;
/// without, only the control characters.
pub fn write_json_string(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && !(' '..='~').contains(&c)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::{float_text, Exact};

    #[test]
    fn numbers_are_read_as_python_reads_them() {
        let doc = Exact::parse(r#"[1, 1.0, -0, 18446744073709551617, 1e400, 0.1]"#).unwrap();
        let Exact::List(items) = doc else {
            panic!("{doc:?}")
        };
        assert_eq!(items[0], Exact::Int("1".into()));
        assert_eq!(items[1], Exact::Float(1.0));
        assert_eq!(items[2], Exact::Int("0".into()));
        assert_eq!(items[3], Exact::Int("18446744073709551617".into()));
        assert_eq!(items[4], Exact::Float(f64::INFINITY));
        assert!(
            !items[0].same(&items[1], false),
            "1 and 1.0 differ in Python"
        );
    }

    #[test]
    fn key_order_counts_only_when_asked() {
        let a = Exact::parse(r#"{"a": 1, "b": {"x": [1], "y": 2}}"#).unwrap();
        let b = Exact::parse(r#"{"b": {"y": 2, "x": [1]}, "a": 1}"#).unwrap();
        assert!(a.same(&b, false));
        assert!(!a.same(&b, true));
        assert!(a.same(&a.clone(), true));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let doc = Exact::parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(doc.to_text(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn bad_documents_say_where() {
        for bad in [
            "",
            "{",
            "[1,]",
            "01",
            "1.",
            "\"\u{1}\"",
            "{\"a\" 1}",
            "1 2",
            "tru",
            r#""\u+041""#,
        ] {
            assert!(Exact::parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(super::MAX_DEPTH + 2);
        assert_eq!(Exact::parse(&deep).unwrap_err().reason, "nested too deep");
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (x, text) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (5e-324, "5e-324"),
            (1769462953.6252427, "1769462953.6252427"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456789.12345679, "123456789.12345679"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(float_text(x), text);
            assert_eq!(float_text(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn strings_round_trip() {
        let text = r#"["a\"b\\c\n", "\u00e9\ud83d\ude00", "\ud800x"]"#;
        let doc = Exact::parse(text).unwrap();
        assert_eq!(doc.to_text(), "[\"a\\\"b\\\\c\\n\",\"é😀\",\"\u{FFFD}x\"]");
    }
}
