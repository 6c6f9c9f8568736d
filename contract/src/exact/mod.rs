//! `Exact`: a JSON document as Python's `json.loads` reads it: integers of any size, floats as
//! the nearest double (`NaN` and `Infinity` too), objects in key order (a repeated key keeps
//! its first place and takes the last value).

mod parse;
mod value;
mod write;

pub use parse::short_escape;
pub use value::{Exact, ParseError, JSON_TOKEN, MAX_DEPTH};
pub use write::{float_text, write_json_string};

impl Exact {
    /// Reads one JSON document (surrounding whitespace allowed, nothing else).
    pub fn parse(text: &str) -> Result<Exact, ParseError> {
        parse::parse(text, true)
    }

    /// Whether `text` is one JSON document that [`Exact::parse`] reads, without keeping it.
    pub fn check(text: &str) -> Result<(), ParseError> {
        parse::parse(text, false).map(drop)
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
        write::write_value(self, &mut out);
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
            assert_eq!(Exact::check(bad), Exact::parse(bad).map(drop), "{bad:?}");
        }
        let deep = "[".repeat(super::MAX_DEPTH + 2);
        assert_eq!(Exact::parse(&deep).unwrap_err().reason, "nested too deep");
        assert_eq!(Exact::check(&deep).unwrap_err().reason, "nested too deep");
        let good = r#"{"a": [1, -0, 1e400, NaN, "\u00e9\ud800", {"a": 1, "a": 2}], "b": null}"#;
        assert_eq!(Exact::check(good), Ok(()));
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
