//! `Twin`: a harbor and a fresh model, called alike, compared after every call.
//! Ids are compared up to a consistent renaming: a harbor may number differently, not inconsistently.

use std::collections::HashMap;
use std::sync::Mutex;

use limani_contract::Exact;
use serde::Serialize;

use crate::show::to_exact;

use crate::json::Json;

use super::failure::{Disagreement, Failure, Verdict};
use crate::error::Result;
use crate::limani::Limani;
use crate::model::Rule;
use crate::model::{rules, MemoryLimani};
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, OperationRecord, RunData,
    SnapshotRecord,
};

/// What an id of the harbor that pairs with no id of the model is shown as.
const UNPAIRED: i64 = i64::MIN;

/// The model's side of a record the model does not have (the harbor gave more of them):
/// no id the model gives, so it never pairs with a real one.
const NO_MODEL_ID: i64 = i64::MIN + 1;

/// A harbor's ids paired with the model's, one namespace per kind of record.
#[derive(Default)]
struct Renaming {
    forward: HashMap<(Kind, i64), i64>,
    back: HashMap<(Kind, i64), i64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Host,
    Operation,
    Snapshot,
    Fact,
}

impl Renaming {
    /// The model id for harbor id `h`, pairing it with `m` if neither is paired yet.
    /// An id that cannot be paired is shown as `UNPAIRED`, so that the diff points at it.
    fn pair(&mut self, kind: Kind, h: i64, m: i64) -> i64 {
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

    fn get(&self, kind: Kind, h: i64) -> Option<i64> {
        self.forward.get(&(kind, h)).copied()
    }
}

/// A harbor under test beside the model.
pub struct Twin<'a> {
    harbor: &'a dyn Limani,
    model: MemoryLimani,
    renaming: Mutex<Renaming>,
    key_order: bool,
    host_order: bool,
    tie_order: bool,
}

/// An outcome as a failure shows it; a call whose value is not compared shows as accepted.
fn outcome<T: Serialize>(r: &Result<T>) -> Exact {
    match r {
        Ok(v) => match to_exact(v) {
            Exact::Null => Exact::Object(vec![("Ok".into(), Exact::Str("accepted".into()))]),
            v => Exact::Object(vec![("Ok".into(), v)]),
        },
        Err(e) => Exact::Object(vec![("Err".into(), to_exact(&e.kind()))]),
    }
}

impl<'a> Twin<'a> {
    pub fn new(harbor: &'a dyn Limani) -> Self {
        Twin {
            harbor,
            model: MemoryLimani::new(),
            renaming: Mutex::default(),
            key_order: false,
            host_order: false,
            tie_order: false,
        }
    }

    /// The same model and ids beside another harbor (the same store, reopened).
    pub fn rebind<'b>(self, harbor: &'b dyn Limani) -> Twin<'b> {
        Twin {
            harbor,
            model: self.model,
            renaming: self.renaming,
            key_order: self.key_order,
            host_order: self.host_order,
            tie_order: self.tie_order,
        }
    }

    /// Reads must also keep the key order of JSON objects (for `fidelity::json_key_order`).
    pub fn with_key_order(mut self) -> Self {
        self.key_order = true;
        self
    }

    /// Run data must also list hosts in creation order (for `run_data::hosts_in_creation_order`).
    pub fn with_host_order(mut self) -> Self {
        self.host_order = true;
        self
    }

    /// Records of equal timestamps must also keep insertion order (`records::ties_in_insertion_order`).
    pub fn with_tie_order(mut self) -> Self {
        self.tie_order = true;
        self
    }

    /// A value as a failure shows it: ids the contract never gave named as such.
    fn shown(value: Exact) -> Exact {
        match value {
            Exact::Object(fields) => Exact::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, Self::shown(v)))
                    .collect(),
            ),
            Exact::List(items) => Exact::List(items.into_iter().map(Self::shown).collect()),
            Exact::Int(n) if n == UNPAIRED.to_string() || n == NO_MODEL_ID.to_string() => {
                Exact::Str("<an id no other record pairs with>".into())
            }
            other => other,
        }
    }

    /// The harbor's value with its object keys in the model's order, unless key order is what
    /// is checked: a store that reorders keys then shows only what it changed.
    fn aligned(&self, harbor: Exact, model: &Exact) -> Exact {
        match (harbor, model) {
            (Exact::Object(mut fields), Exact::Object(order)) => {
                if !self.key_order {
                    let rank =
                        |k: &str| order.iter().position(|(m, _)| m == k).unwrap_or(usize::MAX);
                    fields.sort_by_key(|(k, _)| rank(k));
                }
                let fields = fields.into_iter().map(|(k, v)| {
                    let twin = order.iter().find(|(m, _)| *m == k).map(|(_, v)| v);
                    let v = match twin {
                        Some(m) => self.aligned(v, m),
                        None => v,
                    };
                    (k, v)
                });
                Exact::Object(fields.collect())
            }
            (Exact::List(items), Exact::List(order)) => {
                let items = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| match order.get(i) {
                        Some(m) => self.aligned(v, m),
                        None => v,
                    });
                Exact::List(items.collect())
            }
            (other, _) => other,
        }
    }

    fn same(&self, harbor: &Exact, model: &Exact) -> bool {
        match self.key_order {
            true => rules::same_json_and_key_order(harbor, model),
            false => rules::same_json(harbor, model),
        }
    }

    /// The harbor alone, for calls the model should not see.
    pub fn harbor(&self) -> &dyn Limani {
        self.harbor
    }

    /// The model alone, to apply writes acknowledged by the harbor in another order.
    pub fn model(&self) -> &MemoryLimani {
        &self.model
    }

    fn renaming(&self) -> std::sync::MutexGuard<'_, Renaming> {
        self.renaming.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The model's id for a harbor host id (an id the model never gave when unpaired).
    pub fn model_host(&self, harbor_id: HostId) -> HostId {
        self.renaming()
            .get(Kind::Host, harbor_id)
            .unwrap_or(NO_MODEL_ID)
    }

    fn same_outcome(
        call: &str,
        harbor: &Result<()>,
        model: &Result<()>,
        update_of_unknown_run: bool,
    ) -> Verdict {
        match outcomes_agree(harbor, model, update_of_unknown_run) {
            true => Ok(()),
            false => {
                let detail = harbor
                    .as_ref()
                    .err()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                let method = call.split('(').next().unwrap_or(call);
                Err(Failure::differs(
                    format!("{call}: outcome differs from the contract{detail}"),
                    &outcome(model),
                    &outcome(harbor),
                )
                .breaks(super::classify::of_outcome(method, harbor, model)))
            }
        }
    }

    pub fn create_run(&self, run: &NewRun) -> Verdict {
        let (h, m) = (self.harbor.create_run(run), self.model.create_run(run));
        if let (Ok(h), Ok(m)) = (&h, &m) {
            if h != m {
                return Err(Failure::differs(
                    "create_run returned another run id than it was given",
                    m,
                    h,
                )
                .breaks(Disagreement::new(
                    Rule::RunIdUnique,
                    "create_run returns another id",
                    format!("create_run returns another id than it was given: expected {m:?} — got {h:?}"),
                )));
            }
        }
        Self::same_outcome("create_run", &h.map(drop), &m.map(drop), false)
    }

    pub fn start_update_run(&self, run_id: &str, status: &str) -> Verdict {
        let unknown = !self.model.has_run(run_id);
        let (h, m) = (
            self.harbor.start_update_run(run_id, status),
            self.model.start_update_run(run_id, status),
        );
        Self::same_outcome("start_update_run", &h, &m, unknown)
    }

    pub fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Verdict {
        let unknown = !self.model.has_run(run_id);
        let h = self
            .harbor
            .end_run_update(run_id, end_time, status, summary);
        let m = self.model.end_run_update(run_id, end_time, status, summary);
        Self::same_outcome("end_run_update", &h, &m, unknown)
    }

    /// Gets or creates a host on both; returns the harbor's id (`None` when both rejected the call).
    pub fn host(&self, run_id: &str, name: &str) -> std::result::Result<Option<HostId>, Failure> {
        let (h, m) = (
            self.harbor.get_or_create_host(run_id, name),
            self.model.get_or_create_host(run_id, name),
        );
        match (h, m) {
            (Ok(h), Ok(m)) => {
                let mut renaming = self.renaming();
                match renaming.pair(Kind::Host, h, m) {
                    paired if paired == m => Ok(Some(h)),
                    _ => Err(Failure::new(format!(
                        "get_or_create_host({run_id:?}, {name:?}) gave id {h}, inconsistent with the ids it gave before (this host is the model's #{m}; harbor id {h} was {})",
                        renaming.get(Kind::Host, h).map_or("never given".to_owned(), |p| format!("given for the model's host #{p}"))
                    ))
                    .breaks(super::classify::inconsistent_host_id(format!(
                        "get_or_create_host(.., {name:?}) gives id {h}, which it gave before for another host or not for this one"
                    )))),
                }
            }
            (h, m) => Self::same_outcome("get_or_create_host", &h.map(drop), &m.map(drop), false)
                .map(|()| None),
        }
    }

    /// Inserts on both; the operation carries the harbor's host id.
    pub fn insert_operation(&self, op: &NewOperation) -> Verdict {
        let h = self.harbor.insert_operation(op);
        let m = self.model.insert_operation(&NewOperation {
            host_id: self.model_host(op.host_id),
            ..op.clone()
        });
        Self::same_outcome("insert_operation", &h, &m, false)
    }

    /// Inserts on both; the snapshot carries the harbor's host id.
    pub fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Verdict {
        let h = self.harbor.insert_snapshot(snapshot);
        let m = self.model.insert_snapshot(&NewSnapshot {
            host_id: self.model_host(snapshot.host_id),
            ..snapshot.clone()
        });
        Self::same_outcome("insert_snapshot", &h, &m, false)
    }

    pub fn insert_fact_log(&self, fact: &NewFactLog) -> Verdict {
        let (h, m) = (
            self.harbor.insert_fact_log(fact),
            self.model.insert_fact_log(fact),
        );
        Self::same_outcome("insert_fact_log", &h, &m, false)
    }

    /// Compares a read: both fail alike, or the harbor's value (renamed) equals the model's. A
    /// difference is given its usual cause: of its first differing value, else `diagnose`'s of
    /// the two reads (harbor, model), asked only then.
    fn compare_read<T: Serialize + PartialEq>(
        &self,
        call: &str,
        h: Result<T>,
        m: Result<T>,
        rename: impl FnOnce(&mut Renaming, T, &T) -> T,
        diagnose: impl FnOnce(&T, &T) -> Option<&'static str>,
    ) -> Verdict {
        match (h, m) {
            (Ok(h), Ok(m)) => {
                let h = rename(&mut self.renaming(), h, &m);
                // Equal records (payloads of the same text) mean the same; only others are read.
                if h == m {
                    return Ok(());
                }
                let (he, me) = (to_exact(&h), to_exact(&m));
                match self.same(&he, &me) {
                    true => Ok(()),
                    false => {
                        let he = self.aligned(he, &me);
                        let cause = super::cause::of_values(&me, &he).or_else(|| diagnose(&h, &m));
                        let (me, he) = (Self::shown(me), Self::shown(he));
                        let what = format!("{call} differs from the contract");
                        let first = super::classify::of_read(&me, &he, cause);
                        Err(Failure::differs_shown(what, &me, &he)
                            .because(cause)
                            .breaks(first))
                    }
                }
            }
            (h, m) => Self::same_outcome(call, &h.map(drop), &m.map(drop), false),
        }
    }

    pub fn timespan(&self, run_id: &str, start: f64, end: f64) -> Verdict {
        let h = self.harbor.get_facts_for_timespan(run_id, start, end);
        let m = self.model.get_facts_for_timespan(run_id, start, end);
        let call = format!("get_facts_for_timespan({run_id:?}, {start:?}, {end:?})");
        let (h, m) = (
            h.map(|h| self.ties(h, Side::Harbor)),
            m.map(|m| self.ties(m, Side::Model)),
        );
        let diagnose = |h: &Vec<FactLog>, m: &Vec<FactLog>| {
            super::cause::of_timespan(h, m, run_id, start, end)
        };
        self.compare_read(&call, h, m, |r, h, m| rename_facts(r, h, m), diagnose)
    }

    pub fn summary(&self, run_id: &str) -> Verdict {
        let (h, m) = (
            self.harbor.get_run_summary_stats(run_id),
            self.model.get_run_summary_stats(run_id),
        );
        let durations = self.model.durations(run_id);
        self.compare_read(
            &format!("get_run_summary_stats({run_id:?})"),
            h,
            m,
            |_, mut h, m| {
                if rules::total_duration_accepted(h.total_duration, &durations) {
                    h.total_duration = m.total_duration;
                }
                h
            },
            |_, _| None,
        )
    }

    pub fn run_data(&self, run_id: &str) -> Verdict {
        let (h, m) = (
            self.harbor.get_run_data(run_id),
            self.model.get_run_data(run_id),
        );
        let tie = |side| move |d: Option<RunData>| d.map(|d| self.run_data_ties(d, side));
        let (h, m) = (h.map(tie(Side::Harbor)), m.map(tie(Side::Model)));
        self.compare_read(
            &format!("get_run_data({run_id:?})"),
            h,
            m,
            |r, h, m| match (h, m) {
                (Some(mut h), Some(m)) => {
                    if !self.host_order {
                        let names: Vec<&str> = m.hosts.iter().map(|x| x.name.as_str()).collect();
                        h.hosts = rules::hosts_in_model_order(h.hosts, &names, |x| &x.name);
                    }
                    Some(rename_run_data(r, h, m))
                }
                (h, _) => h,
            },
            |_, _| None,
        )
    }
}

/// A write's outcome on the harbor agrees with the model's: both succeed, or fail with one kind;
/// an update of an unknown run may also be ignored or rejected otherwise, as the rule allows.
pub(crate) fn outcomes_agree(
    harbor: &Result<()>,
    model: &Result<()>,
    update_of_unknown_run: bool,
) -> bool {
    match (harbor, model) {
        _ if update_of_unknown_run => rules::unknown_run_update_allowed(harbor, model),
        (Ok(()), Ok(())) => true,
        (Err(h), Err(m)) => h.kind() == m.kind(),
        _ => false,
    }
}

/// The fields each store numbers its own way.
const IDS: &[&str] = &["id", "host_id"];

/// Which side of the twin a read came from.
#[derive(Clone, Copy)]
enum Side {
    Harbor,
    Model,
}

impl Twin<'_> {
    /// The key that orders a record among its ties: its content, then its model id (for the
    /// harbor, the model id its id is paired with), so that records alike in everything but
    /// their ids keep the pairing an earlier read made.
    fn tie_key<T: Serialize>(&self, side: Side, kind: Kind, id: i64, record: &T) -> String {
        let model_id = match side {
            Side::Model => Some(id),
            Side::Harbor => self.renaming().get(kind, id),
        };
        let id = model_id.map_or("~".to_owned(), |m| format!("{m:020}"));
        format!("{}\u{1}{id}", content(record, IDS))
    }

    /// Fact logs with ties in canonical order, unless the check asks for insertion order.
    fn ties(&self, mut facts: Vec<FactLog>, side: Side) -> Vec<FactLog> {
        if !self.tie_order {
            let key = |f: &FactLog| self.tie_key(side, Kind::Fact, f.id, f);
            rules::ties_in_canonical_order(&mut facts, |f| f.timestamp, key);
        }
        facts
    }

    fn run_data_ties(&self, mut data: RunData, side: Side) -> RunData {
        if self.tie_order {
            return data;
        }
        for host in &mut data.hosts {
            let key = |o: &OperationRecord| self.tie_key(side, Kind::Operation, o.id, o);
            rules::ties_in_canonical_order(&mut host.operations, |o| o.timestamp, key);
        }
        let key = |s: &SnapshotRecord| self.tie_key(side, Kind::Snapshot, s.id, s);
        rules::ties_in_canonical_order(&mut data.snapshots, |s| s.timestamp, key);
        data.fact_logs = self.ties(data.fact_logs, side);
        data
    }
}

/// A record as text to order ties by: every field but the ids each store numbers its own way,
/// JSON objects with their keys sorted (a store may reorder them).
fn content<T: Serialize>(record: &T, ids: &[&str]) -> String {
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

fn rename_facts(r: &mut Renaming, h: Vec<FactLog>, m: &[FactLog]) -> Vec<FactLog> {
    h.into_iter()
        .enumerate()
        .map(|(i, mut f)| {
            f.id = r.pair(Kind::Fact, f.id, model_id(m, i, |f| f.id));
            f
        })
        .collect()
}

fn rename_run_data(r: &mut Renaming, mut h: RunData, m: &RunData) -> RunData {
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
