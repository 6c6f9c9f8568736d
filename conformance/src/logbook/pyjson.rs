//! Python's `json.dumps` with its defaults (`ensure_ascii=True`, `allow_nan=True`), compact or
//! with `indent=4`: the bytes Ch-aOS writes into a logbook.

use limani_contract::exact::float_text;
use limani_contract::Exact;

/// `json.dumps(value)`: separators `", "` and `": "`, all on one line.
pub fn dumps(value: &Exact) -> String {
    let mut out = String::new();
    write(value, None, 0, &mut out);
    out
}

/// `json.dumps(value, indent=4)`: one item per line, `","` at line ends, `": "` after keys.
pub fn dumps_indented(value: &Exact) -> String {
    let mut out = String::new();
    write(value, Some(4), 0, &mut out);
    out
}

/// A string as `json.dumps` writes it: ASCII only, `\uXXXX` (lower-case hex, surrogate pairs).
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    limani_contract::exact::write_json_string(s, true, &mut out);
    out
}

fn write(value: &Exact, indent: Option<usize>, depth: usize, out: &mut String) {
    let (item_sep, newline) = match indent {
        Some(width) => (",", Some(width)),
        None => (", ", None),
    };
    let open = |out: &mut String, level: usize| {
        if let Some(width) = newline {
            out.push('\n');
            out.push_str(&" ".repeat(width * level));
        }
    };
    match value {
        Exact::Null => out.push_str("null"),
        Exact::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Exact::Int(text) => out.push_str(text),
        Exact::Float(x) => out.push_str(&float_text(*x)),
        Exact::Str(s) => out.push_str(&string(s)),
        Exact::List(items) if items.is_empty() => out.push_str("[]"),
        Exact::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Exact::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                open(out, depth + 1);
                write(item, indent, depth + 1, out);
            }
            open(out, depth);
            out.push(']');
        }
        Exact::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                open(out, depth + 1);
                out.push_str(&string(key));
                out.push_str(": ");
                write(item, indent, depth + 1, out);
            }
            open(out, depth);
            out.push('}');
        }
    }
}

/// Python's `round(x, 4)`: the model's rule, written once.
pub use crate::model::rules::python_round4 as round4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_python_does() {
        assert_eq!(
            string("a\"b\\c\n\u{7f}é😀"),
            r#""a\"b\\c\n\u007f\u00e9\ud83d\ude00""#
        );
    }

    #[test]
    fn indented_output_is_pythons() {
        let doc = Exact::parse(r#"{"a": [1, 2.0, {"b": []}], "c": {}, "d": "x"}"#).unwrap();
        assert_eq!(
            dumps_indented(&doc),
            "{\n    \"a\": [\n        1,\n        2.0,\n        {\n            \"b\": []\n        }\n    ],\n    \"c\": {},\n    \"d\": \"x\"\n}"
        );
        assert_eq!(
            dumps(&doc),
            r#"{"a": [1, 2.0, {"b": []}], "c": {}, "d": "x"}"#
        );
    }

    #[test]
    fn rounding_is_pythons() {
        // round(0.03125, 4) is an exact tie: Python keeps the even digit.
        for (x, rounded) in [
            (0.03125, 0.0312),
            (2.675, 2.675),
            (0.00015, 0.0001),
            (0.12345, 0.1235),
        ] {
            assert_eq!(round4(x), rounded, "{x}");
        }
    }
}
