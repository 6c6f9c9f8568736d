//! The harbor's reply: its result or its error, read straight from the line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The harbor's answer to request `id`: `{"id", "ok": result}` or `{"id", "error": {...}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "ReplyRead")]
pub struct Reply {
    pub id: Option<u64>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A reply as read: its fields straight from the line (a flattened enum would first copy the
/// whole line's values into a buffer of its own, a run's data and all).
#[derive(Deserialize)]
struct ReplyRead {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    ok: Option<Value>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

/// A field that is there, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl TryFrom<ReplyRead> for Reply {
    type Error = &'static str;
    fn try_from(read: ReplyRead) -> Result<Reply, &'static str> {
        let outcome = match (read.ok, read.error) {
            (Some(value), None) => Outcome::Ok(value),
            (None, Some(error)) => Outcome::Error(error),
            (None, None) => return Err("a reply holds \"ok\" or \"error\""),
            (Some(_), Some(_)) => return Err("a reply holds \"ok\" or \"error\", not both"),
        };
        Ok(Reply {
            id: read.id,
            outcome,
        })
    }
}

impl Reply {
    /// The reply of a write or a host id as the Python side writes it, `{"id": N, "ok": null}`
    /// or `{"id": N, "ok": M}` (digits alone, newline or not), read without the parser and as
    /// it reads it; `None` for any other line (the parser reads it).
    pub fn quick(line: &str) -> Option<Reply> {
        let (id, rest) = digits(line.strip_prefix("{\"id\": ")?)?;
        let rest = rest.strip_prefix(", \"ok\": ")?;
        let (value, rest) = match rest.strip_prefix("null") {
            Some(rest) => (Value::Null, rest),
            None => digits(rest).map(|(n, rest)| (Value::from(n), rest))?,
        };
        matches!(rest, "}" | "}\n").then_some(Reply {
            id: Some(id),
            outcome: Outcome::Ok(value),
        })
    }
}

/// A JSON int of digits alone that a u64 holds (no sign, no leading zero), and what follows.
fn digits(text: &str) -> Option<(u64, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(end);
    if number.is_empty() || number.len() > 20 || (number.len() > 1 && number.starts_with('0')) {
        return None;
    }
    number.parse().ok().map(|n| (n, rest))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The method's result; its shape depends on the method (the page's table).
    Ok(Value),
    Error(ErrorObject),
}

/// A failed call: the exception's type, the protocol's error kind, its message, its traceback.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ErrorObject {
    #[serde(rename = "type", default)]
    pub type_name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub traceback: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::read;

    #[test]
    fn a_reply_reads_its_result_or_its_error_and_nothing_else() {
        let ok = read::<Reply>(r#"{"id": 3, "ok": null}"#).unwrap();
        assert!(matches!(
            ok,
            Reply {
                id: Some(3),
                outcome: Outcome::Ok(Value::Null)
            }
        ));
        let failed = read::<Reply>(r#"{"error": {"type": "E", "kind": "storage"}, "id": 4}"#);
        assert!(
            matches!(failed, Ok(Reply { id: Some(4), outcome: Outcome::Error(e) }) if e.type_name == "E")
        );
        let neither = read::<Reply>(r#"{"id": 5}"#).unwrap_err();
        assert!(neither.contains(r#"holds "ok" or "error""#), "{neither}");
        let both = read::<Reply>(r#"{"id": 6, "ok": 1, "error": {}}"#).unwrap_err();
        assert!(both.contains("not both"), "{both}");
        let written = serde_json::to_string(&ok).unwrap();
        assert_eq!(written, r#"{"id":3,"ok":null}"#);
    }

    #[test]
    fn a_quick_reply_reads_as_the_parser_reads_it_or_not_at_all() {
        let quick = [
            r#"{"id": 3, "ok": null}"#,
            "{\"id\": 3, \"ok\": null}\n",
            r#"{"id": 0, "ok": 0}"#,
            r#"{"id": 18446744073709551615, "ok": 9999999999999999999}"#,
        ];
        for line in quick {
            let (fast, read) = (Reply::quick(line).unwrap(), read::<Reply>(line).unwrap());
            assert_eq!(fast.id, read.id, "{line}");
            assert!(
                matches!((&fast.outcome, &read.outcome), (Outcome::Ok(a), Outcome::Ok(b)) if a == b),
                "{line}"
            );
        }
        let not_quick = [
            r#"{"id": 3, "ok": -1}"#,
            r#"{"id": 3, "ok": 01}"#,
            r#"{"id": 3, "ok": 1.5}"#,
            r#"{"id": 3, "ok": 18446744073709551616}"#,
            r#"{"id": 3, "ok": null} "#,
            r#"{"id": 3, "ok": null, "error": {}}"#,
            r#"{"id":3,"ok":null}"#,
            r#"{"id": 3, "ok": "null"}"#,
        ];
        for line in not_quick {
            assert!(Reply::quick(line).is_none(), "{line}");
        }
    }
}
