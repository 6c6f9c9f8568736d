//! How checks show values: any serializable value as an [`Exact`] document, so that checks compare and show records
//! with their [`Json`](crate::Json) payloads read as JSON, numbers exact, key order kept.

use limani_contract::json::JSON_TOKEN;
use limani_contract::Exact;
use serde::ser::{self, Serialize};

use limani_fixtures::shorten;

/// `value` as a document; a payload ([`crate::Json`]) is read as the JSON it holds.
pub fn to_exact(value: &impl Serialize) -> Exact {
    value
        .serialize(Tree)
        .unwrap_or_else(|e| Exact::Str(format!("<not shown: {}>", e.0)))
}

/// Pretty text of a document, two spaces per level, long strings cut in the middle.
pub fn pretty(value: &Exact) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out
}

fn write_pretty(value: &Exact, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Exact::Str(s) if s.len() > 200 => {
            out.push_str(&Exact::Str(shorten(s, 60, 60)).to_text());
        }
        Exact::List(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Exact::Object(fields) if !fields.is_empty() => {
            out.push_str("{\n");
            for (i, (key, item)) in fields.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&Exact::Str(key.clone()).to_text());
                out.push_str(": ");
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        other => out.push_str(&other.to_text()),
    }
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The serializer that builds an [`Exact`].
struct Tree;

type R = Result<Exact, Error>;

fn int(x: impl ToString) -> R {
    Ok(Exact::Int(x.to_string()))
}

impl ser::Serializer for Tree {
    type Ok = Exact;
    type Error = Error;
    type SerializeSeq = List;
    type SerializeTuple = List;
    type SerializeTupleStruct = List;
    type SerializeTupleVariant = Tagged<List>;
    type SerializeMap = Map;
    type SerializeStruct = Map;
    type SerializeStructVariant = Tagged<Map>;

    fn serialize_bool(self, v: bool) -> R {
        Ok(Exact::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> R {
        int(v)
    }
    fn serialize_i16(self, v: i16) -> R {
        int(v)
    }
    fn serialize_i32(self, v: i32) -> R {
        int(v)
    }
    fn serialize_i64(self, v: i64) -> R {
        int(v)
    }
    fn serialize_i128(self, v: i128) -> R {
        int(v)
    }
    fn serialize_u8(self, v: u8) -> R {
        int(v)
    }
    fn serialize_u16(self, v: u16) -> R {
        int(v)
    }
    fn serialize_u32(self, v: u32) -> R {
        int(v)
    }
    fn serialize_u64(self, v: u64) -> R {
        int(v)
    }
    fn serialize_u128(self, v: u128) -> R {
        int(v)
    }
    fn serialize_f32(self, v: f32) -> R {
        Ok(Exact::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> R {
        Ok(Exact::Float(v))
    }
    fn serialize_char(self, v: char) -> R {
        Ok(Exact::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> R {
        Ok(Exact::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> R {
        Ok(Exact::List(
            v.iter().map(|b| Exact::Int(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> R {
        Ok(Exact::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(Tree)
    }
    fn serialize_unit(self) -> R {
        Ok(Exact::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(Exact::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> R {
        Ok(Exact::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> R {
        let inner = value.serialize(Tree)?;
        match (name, inner) {
            (JSON_TOKEN, Exact::Str(text)) => {
                Exact::parse(&text).map_err(|e| Error(format!("a payload that is not JSON: {e}")))
            }
            (_, inner) => Ok(inner),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> R {
        Ok(Exact::Object(vec![(
            variant.to_owned(),
            value.serialize(Tree)?,
        )]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<List, Error> {
        Ok(List(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<List, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<List, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Tagged<List>, Error> {
        Ok(Tagged(variant, List(Vec::with_capacity(len))))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map, Error> {
        Ok(Map::default())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Map, Error> {
        Ok(Map::default())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Tagged<Map>, Error> {
        Ok(Tagged(variant, Map::default()))
    }
}

pub struct List(Vec<Exact>);

impl ser::SerializeSeq for List {
    type Ok = Exact;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.0.push(value.serialize(Tree)?);
        Ok(())
    }
    fn end(self) -> R {
        Ok(Exact::List(self.0))
    }
}

impl ser::SerializeTuple for List {
    type Ok = Exact;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for List {
    type Ok = Exact;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> R {
        ser::SerializeSeq::end(self)
    }
}

#[derive(Default)]
pub struct Map {
    fields: Vec<(String, Exact)>,
    key: Option<String>,
}

impl ser::SerializeMap for Map {
    type Ok = Exact;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(match key.serialize(Tree)? {
            Exact::Str(s) | Exact::Int(s) => s,
            other => other.to_text(),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.fields.push((key, value.serialize(Tree)?));
        Ok(())
    }
    fn end(self) -> R {
        Ok(Exact::Object(self.fields))
    }
}

impl ser::SerializeStruct for Map {
    type Ok = Exact;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.fields.push((key.to_owned(), value.serialize(Tree)?));
        Ok(())
    }
    fn end(self) -> R {
        ser::SerializeMap::end(self)
    }
}

/// An enum variant with fields: `{"Variant": fields}`, as serde_json writes it.
pub struct Tagged<T>(&'static str, T);

impl ser::SerializeTupleVariant for Tagged<List> {
    type Ok = Exact;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }
    fn end(self) -> R {
        Ok(Exact::Object(vec![(
            self.0.to_owned(),
            ser::SerializeSeq::end(self.1)?,
        )]))
    }
}

impl ser::SerializeStructVariant for Tagged<Map> {
    type Ok = Exact;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(&mut self.1, key, value)
    }
    fn end(self) -> R {
        Ok(Exact::Object(vec![(
            self.0.to_owned(),
            ser::SerializeMap::end(self.1)?,
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::{pretty, to_exact};
    use crate::Json;

    #[test]
    fn payloads_are_read_as_json_inside_records() {
        let record = (
            Json::new(r#"{"z": 1.0, "a": 18446744073709551617}"#).unwrap(),
            Some(2i64),
        );
        assert_eq!(
            pretty(&to_exact(&record)),
            "[\n  {\n    \"z\": 1.0,\n    \"a\": 18446744073709551617\n  },\n  2\n]"
        );
    }
}
