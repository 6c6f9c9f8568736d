//! The value itself: what `Exact` holds, and how it serializes as a payload.

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
