//! `Json`: a JSON payload kept as the text it was given.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{LimaniError, Result};
use crate::exact::Exact;

/// A JSON payload (`logs`, `arguments`, `metrics`, a summary, ...) as its text.
///
/// The Logbook's payloads go through `json.dumps` and `json.loads`: key order, big integers
/// and the difference between `1` and `1.0` are part of what it exports. Keeping the text
/// keeps all of that without any serde_json feature; the conformance kit compares meaning,
/// not spelling (whitespace aside, the same document). Equality here is equality of text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Json(Box<str>);

pub use crate::exact::JSON_TOKEN;

impl Json {
    /// The payload with this text; anything but one JSON document is [`LimaniError::InvalidValue`].
    pub fn new(text: impl Into<String>) -> Result<Json> {
        let text: String = text.into();
        match Exact::check(&text) {
            Ok(()) => Ok(Json(text.into_boxed_str())),
            Err(e) => Err(LimaniError::invalid(
                "json",
                format!("not one JSON document: {e}"),
            )),
        }
    }

    /// The document, read as Python's `json.loads` reads it.
    pub fn parse(&self) -> Exact {
        // `new` checked the text; a Json is never built from anything else.
        Exact::parse(&self.0).unwrap_or(Exact::Null)
    }

    /// The payload `{}`.
    pub fn empty_object() -> Json {
        Json("{}".into())
    }

    /// The payload `[]`.
    pub fn empty_list() -> Json {
        Json("[]".into())
    }

    /// The text, as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, as given.
    pub fn into_string(self) -> String {
        self.0.into()
    }
}

/// Any serde_json value, written as compact text (exact: floats print in their shortest
/// round-trip form).
impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Json {
        Json(value.to_string().into_boxed_str())
    }
}

impl std::str::FromStr for Json {
    type Err = LimaniError;
    fn from_str(text: &str) -> Result<Json> {
        Json::new(text)
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json({})", self.0)
    }
}

/// Serializes as its text, a string, inside a newtype named [`JSON_TOKEN`]: serde_json writes
/// the string; the kit's own serializer reads it as JSON.
impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(JSON_TOKEN, &*self.0)
    }
}

/// Reads the text from a string, and checks that it is JSON.
impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Json, D::Error> {
        let text = String::deserialize(deserializer)?;
        Json::new(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn text_is_kept_as_given() {
        let text = r#"{"z": 1, "a": 1.0, "big": 18446744073709551617}"#;
        assert_eq!(Json::new(text).unwrap().as_str(), text);
    }

    #[test]
    fn anything_but_one_document_is_refused() {
        for bad in ["", "{", "1 2", "{'a': 1}", "nan"] {
            let err = Json::new(bad).unwrap_err().to_string();
            assert!(err.contains("not one JSON document"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn it_serializes_as_its_text() {
        let json = Json::new("[1.0]").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), r#""[1.0]""#);
        let back: Json = serde_json::from_str(r#""[1.0]""#).unwrap();
        assert_eq!(back, json);
    }
}
