//! A lane's request as a binary frame: [`FRAME`](crate::marshal::FRAME), then the request in
//! `marshal`, which Python reads into the very dict `json.loads` makes of its JSON line (key
//! order aside: a request is read by key; a payload comes read already, below), several times
//! quicker (`docs/bridge-protocol.md`, "Binary requests"). Written by the request's own
//! `Serialize`, the one its JSON line is written by, so both forms say the same: each value as
//! `serde_json` writes it (a float that is not finite as `null`), and anything JSON would write
//! otherwise refused (the line goes); a payload as the value Python's `json.loads` makes of its
//! text (`crate::marshal_codes`), so that the harbor gets it read already.

use limani_contract::json::JSON_TOKEN;
use serde::ser::{self, Serialize};

use crate::marshal_codes::{payload, write_float, write_int, write_long, write_text};

use crate::protocol::Request;

/// The request's frame, or `None` for one that JSON alone can say (or past the 2 GiB a
/// marshal length reads).
pub fn frame(request: &Request) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(1024);
    out.push(crate::marshal::FRAME);
    request.serialize(Marshal(&mut out, false)).ok()?;
    // (no length inside is longer than the whole, so none was cut by `length`)
    (out.len() <= i32::MAX as usize).then_some(out)
}

/// Why a value has no frame: JSON writes it in a way these codes do not say.
#[derive(Debug)]
pub struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Refused(msg.to_string())
    }
}

fn refused<T>(what: &str) -> Result<T, Refused> {
    Err(Refused(format!("{what} has no binary form")))
}

/// Writes values in marshal's codes (read by every Python 3): `None`, `True`, `False`, ints
/// as `i` or `l`, floats as `g` (their 8 bytes: exact), text as `z`, `a` or `u`, lists, dicts;
/// a payload (its text, where `.1`) as the value `json.loads` makes of it, where it can.
struct Marshal<'a>(&'a mut Vec<u8>, bool);

/// A list (its count written at its end) or a dict being written.
struct Items<'a> {
    out: &'a mut Vec<u8>,
    /// Where a list's count goes, and the count so far.
    count_at: usize,
    count: u32,
    /// For a variant's content: the outer dict to close after it.
    close_variant: bool,
}

impl<'a> Items<'a> {
    fn list(out: &'a mut Vec<u8>, close_variant: bool) -> Self {
        out.push(b'[');
        let count_at = out.len();
        out.extend_from_slice(&[0; 4]);
        Items {
            out,
            count_at,
            count: 0,
            close_variant,
        }
    }

    fn dict(out: &'a mut Vec<u8>, close_variant: bool) -> Self {
        out.push(b'{');
        Items {
            out,
            count_at: 0,
            count: 0,
            close_variant,
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.count = self
            .count
            .checked_add(1)
            .ok_or_else(|| Refused("a list past 4 G items".into()))?;
        value.serialize(Marshal(self.out, false))
    }

    fn end_list(self) -> Result<(), Refused> {
        self.out[self.count_at..self.count_at + 4].copy_from_slice(&self.count.to_le_bytes());
        self.end_variant()
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Refused> {
        write_text(key, self.out);
        value.serialize(Marshal(self.out, false))
    }

    fn end_dict(self) -> Result<(), Refused> {
        self.out.push(b'0');
        self.end_variant()
    }

    fn end_variant(self) -> Result<(), Refused> {
        if self.close_variant {
            self.out.push(b'0');
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for Marshal<'a> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = Items<'a>;
    type SerializeMap = Items<'a>;
    type SerializeStruct = Items<'a>;
    type SerializeStructVariant = Items<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Refused> {
        self.0.push(if v { b'T' } else { b'F' });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Refused> {
        write_int(v, self.0);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Refused> {
        // (as serde_json without arbitrary precision: what an i64 or a u64 holds)
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => self.serialize_i64(i),
            (_, Ok(u)) => self.serialize_u64(u),
            _ => refused("an int past 64 bits"),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Refused> {
        match i64::try_from(v) {
            Ok(i) => self.serialize_i64(i),
            Err(_) => {
                write_long(false, v, self.0);
                Ok(())
            }
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), Refused> {
        match u64::try_from(v) {
            Ok(u) => self.serialize_u64(u),
            Err(_) => refused("an int past 64 bits"),
        }
    }
    fn serialize_f32(self, _: f32) -> Result<(), Refused> {
        refused("an f32") // (JSON writes its shortest form, which no f64 widened from it says)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Refused> {
        if v.is_finite() {
            write_float(v, self.0);
        } else {
            self.0.push(b'N'); // (JSON's `null`, as serde_json writes it)
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Refused> {
        write_text(v.encode_utf8(&mut [0; 4]), self.0);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Refused> {
        if !(self.1 && payload(v, self.0)) {
            write_text(v, self.0);
        }
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Refused> {
        let mut list = Items::list(self.0, false);
        v.iter().try_for_each(|b| list.item(b))?;
        list.end_list()
    }
    fn serialize_none(self) -> Result<(), Refused> {
        self.0.push(b'N');
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Refused> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &str, _: u32, variant: &str) -> Result<(), Refused> {
        self.serialize_str(variant)
    }
    /// A payload (a `Json`, its text inside) as its value where it can, else as its text.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(Marshal(self.0, name == JSON_TOKEN))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &str,
        _: u32,
        variant: &str,
        value: &T,
    ) -> Result<(), Refused> {
        let mut dict = Items::dict(self.0, false);
        dict.field(variant, value)?;
        dict.end_dict()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>, Refused> {
        Ok(Items::list(self.0, false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Items<'a>, Refused> {
        Ok(Items::list(self.0, false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Items<'a>, Refused> {
        Ok(Items::list(self.0, false))
    }
    fn serialize_tuple_variant(
        self,
        _: &str,
        _: u32,
        variant: &str,
        _: usize,
    ) -> Result<Items<'a>, Refused> {
        self.0.push(b'{');
        write_text(variant, self.0);
        Ok(Items::list(self.0, true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Items<'a>, Refused> {
        Ok(Items::dict(self.0, false))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Items<'a>, Refused> {
        if name.starts_with("$serde_json") {
            return refused("serde_json's own value"); // (a raw value: its text is the line's)
        }
        Ok(Items::dict(self.0, false))
    }
    fn serialize_struct_variant(
        self,
        _: &str,
        _: u32,
        variant: &str,
        _: usize,
    ) -> Result<Items<'a>, Refused> {
        self.0.push(b'{');
        write_text(variant, self.0);
        Ok(Items::dict(self.0, true))
    }
}

/// A list's element or a tuple's field: one more item.
macro_rules! list_of_items {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Refused;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
                self.item(value)
            }
            fn end(self) -> Result<(), Refused> {
                self.end_list()
            }
        }
    )*};
}

list_of_items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Items<'_> {
    type Ok = ();
    type Error = Refused;
    /// A key as serde_json writes a map's key: text as it is; anything else is refused.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        let written = serde_json::to_value(key).map_err(|e| Refused(e.to_string()))?;
        match written {
            serde_json::Value::String(key) => {
                write_text(&key, self.out);
                Ok(())
            }
            _ => refused("a key that is not text"),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        value.serialize(Marshal(self.out, false))
    }
    fn end(self) -> Result<(), Refused> {
        self.end_dict()
    }
}

/// A struct's field: its name, then its value.
macro_rules! dict_of_fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Refused;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Refused> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Refused> {
                self.end_dict()
            }
        }
    )*};
}

dict_of_fields!(SerializeStruct, SerializeStructVariant);
