//! `Twin`: a harbor and a fresh model, called alike, compared after every call.
//! Ids are compared up to a consistent renaming: a harbor may number differently, not inconsistently.

use std::sync::Mutex;

use limani_contract::Exact;
use serde::Serialize;

use super::failure::{Disagreement, Failure, Verdict};
use super::outcome::{outcome, outcomes_agree};
use super::renaming::{content, rename_facts, rename_run_data, shown, Kind, Renaming, NO_MODEL_ID};
use crate::error::Result;
use crate::json::Json;
use crate::limani::Limani;
use crate::model::{rules, MemoryLimani, Rule};
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, OperationRecord, RunData,
    SnapshotRecord,
};
use crate::show::to_exact;

/// A harbor under test beside the model.
pub struct Twin<'a> {
    harbor: &'a dyn Limani,
    model: MemoryLimani,
    renaming: Mutex<Renaming>,
    key_order: bool,
    host_order: bool,
    tie_order: bool,
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
                let said = format!("create_run returns another id: expected {m:?} — got {h:?}");
                let first =
                    Disagreement::new(Rule::RunIdUnique, "create_run returns another id", said);
                let what = "create_run returned another run id than it was given";
                return Err(Failure::differs(what, m, h).breaks(first));
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
                        let (me, he) = (shown(me), shown(he));
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
        let diagnose = |h: &Vec<_>, m: &Vec<_>| super::cause::of_timespan(h, m, run_id, start, end);
        let also = super::cause::also_of_reads(&h, &m, start, end);
        let verdict = self.compare_read(&call, h, m, |r, h, m| rename_facts(r, h, m), diagnose);
        verdict.map_err(|f| f.explained_by(also))
    }

    pub fn summary(&self, run_id: &str) -> Verdict {
        let (h, m) = (
            self.harbor.get_run_summary_stats(run_id),
            self.model.get_run_summary_stats(run_id),
        );
        let durations = self.model.durations(run_id);
        let gone = super::cause::also_of_summaries(&h, &m);
        let verdict = self.compare_read(
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
        );
        verdict.map_err(|f| f.explained_by(gone))
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
