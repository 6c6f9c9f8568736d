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
}
