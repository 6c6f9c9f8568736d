//! Floats: a JSON number with a fraction or an exponent, or `{"$float": "nan" | "inf" | "-inf"}`
//! for what JSON cannot hold. An integer is not a float here: Python would export it as one.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserializer, Serializer};

pub fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    let mark = match *x {
        x if x.is_nan() => "nan",
        x if x == f64::INFINITY => "inf",
        x if x == f64::NEG_INFINITY => "-inf",
        x => return serializer.serialize_f64(x),
    };
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry("$float", mark)?;
    map.end()
}

struct Float;

impl<'de> Visitor<'de> for Float {
    type Value = f64;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a float (0.0, not 0 or null), or {\"$float\": \"nan\" | \"inf\" | \"-inf\"}")
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
        Ok(x)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<f64, A::Error> {
        let mark = match map.next_entry::<String, String>()? {
            Some((key, mark)) if key == "$float" => mark,
            _ => return Err(de::Error::custom("expected {\"$float\": ...}")),
        };
        match mark.as_str() {
            "nan" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(de::Error::custom(format!("unknown $float mark {other:?}"))),
        }
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    deserializer.deserialize_any(Float)
}
