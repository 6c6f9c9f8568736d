//! Ids compared up to a consistent renaming: a harbor's ids paired with the model's, one
//! namespace per kind of record, and how an id that pairs with none is shown.

use std::collections::HashMap;

use limani_contract::Exact;
use serde::Serialize;

use crate::records::{FactLog, RunData};
use crate::show::to_exact;

/// What an id of the harbor that pairs with no id of the model is shown as.
pub(super) const UNPAIRED: i64 = i64::MIN;

/// The model's side of a record the model does not have (the harbor gave more of them):
/// no id the model gives, so it never pairs with a real one.
pub(super) const NO_MODEL_ID: i64 = i64::MIN + 1;

/// A harbor's ids paired with the model's, one namespace per kind of record.
#[derive(Default)]
pub(super) struct Renaming {
    forward: HashMap<(Kind, i64), i64>,
    back: HashMap<(Kind, i64), i64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Host,
    Operation,
    Snapshot,
    Fact,
}

impl Renaming {
    /// The model id for harbor id `h`, pairing it with `m` if neither is paired yet.
    /// An id that cannot be paired is shown as `UNPAIRED`, so that the diff points at it.
    pub(super) fn pair(&mut self, kind: Kind, h: i64, m: i64) -> i64 {
        if let Some(&paired) = self.forward.get(&(kind, h)) {
            return paired;
        }
        if self.back.contains_key(&(kind, m)) {
            return UNPAIRED;
        }
        self.forward.insert((kind, h), m);
        self.back.insert((kind, m), h);
        m
    }

    pub(super) fn get(&self, kind: Kind, h: i64) -> Option<i64> {
        self.forward.get(&(kind, h)).copied()
    }
}

/// A value as a failure shows it: ids the contract never gave named as such.
pub(super) fn shown(value: Exact) -> Exact {
    match value {
        Exact::Object(fields) => {
            Exact::Object(fields.into_iter().map(|(k, v)| (k, shown(v))).collect())
        }
        Exact::List(items) => Exact::List(items.into_iter().map(shown).collect()),
        Exact::Int(n) if n == UNPAIRED.to_string() || n == NO_MODEL_ID.to_string() => {
            Exact::Str("<an id no other record pairs with>".into())
        }
        other => other,
    }
}

/// A record as text to order ties by: every field but the ids each store numbers its own way,
/// JSON objects with their keys sorted (a store may reorder them).
pub(super) fn content<T: Serialize>(record: &T, ids: &[&str]) -> String {
    fn sorted(value: Exact) -> Exact {
        match value {
            Exact::Object(mut fields) => {
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Exact::Object(fields.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Exact::List(items) => Exact::List(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    let mut value = to_exact(record);
    if let Exact::Object(fields) = &mut value {
        fields.retain(|(k, _)| !ids.contains(&k.as_str()));
    }
    sorted(value).to_text()
}

fn model_id<T>(m: &[T], i: usize, id: impl Fn(&T) -> i64) -> i64 {
    m.get(i).map_or(NO_MODEL_ID, id)
}

pub(super) fn rename_facts(r: &mut Renaming, h: Vec<FactLog>, m: &[FactLog]) -> Vec<FactLog> {
    h.into_iter()
        .enumerate()
        .map(|(i, mut f)| {
            f.id = r.pair(Kind::Fact, f.id, model_id(m, i, |f| f.id));
            f
        })
        .collect()
}

pub(super) fn rename_run_data(r: &mut Renaming, mut h: RunData, m: &RunData) -> RunData {
    for (i, host) in h.hosts.iter_mut().enumerate() {
        let mh = m.hosts.get(i);
        host.id = r.pair(Kind::Host, host.id, mh.map_or(NO_MODEL_ID, |x| x.id));
        let no_ops = Vec::new();
        let m_ops = mh.map_or(&no_ops, |x| &x.operations);
        for (j, op) in host.operations.iter_mut().enumerate() {
            op.id = r.pair(Kind::Operation, op.id, model_id(m_ops, j, |o| o.id));
            op.host_id = r.get(Kind::Host, op.host_id).unwrap_or(UNPAIRED);
        }
    }
    for (i, s) in h.snapshots.iter_mut().enumerate() {
        s.id = r.pair(Kind::Snapshot, s.id, model_id(&m.snapshots, i, |s| s.id));
        s.host_id = r.get(Kind::Host, s.host_id).unwrap_or(UNPAIRED);
    }
    h.fact_logs = rename_facts(r, std::mem::take(&mut h.fact_logs), &m.fact_logs);
    h
}
