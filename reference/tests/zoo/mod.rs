//! The broken-harbor zoo: the SQLite harbor or the model with one realistic defect each.
//! `Broken` delegates every call and bends one; `Defect` names what it bends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conformance::{
    FactLog, HostId, Limani, MemoryLimani, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, RunStatus, SummaryStats,
};
use reference::SqliteLimani;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    /// Timespan includes its end: `timestamp <= end`.
    ClosedTimespanEnd,
    /// Timespan excludes its start: `timestamp > start`.
    OpenTimespanStart,
    /// Timespan rows come back in insertion order, as Ch-rima's query without ORDER BY.
    InsertionOrderTimespan,
    /// Run data lists fact logs in insertion order.
    InsertionOrderFactLogs,
    /// Run data lists operations in insertion order.
    InsertionOrderOperations,
    /// Every get_or_create_host inserts a new host.
    NonIdempotentHosts,
    /// Select-then-insert with no lock: racing threads each create the host.
    RacyHosts,
    /// Ch-rima under a race: the loser of the insert gets a UNIQUE error.
    RacyHostsUniqueError,
    /// Hosts keyed by name only: a second run gets the first run's host.
    HostsSharedAcrossRuns,
    /// Floats stored as f32.
    LossyFloats,
    /// Strings cut to 64 KiB.
    TruncatedStrings,
    /// Strings cut at the first NUL, as C strings are.
    NulTruncatedStrings,
    /// Empty strings read back as null.
    NullForEmptyStrings,
    /// Summary total duration not rounded.
    SummaryWithoutRounding,
    /// Summary total duration not a number (Python's None) when there are no operations.
    SummaryNanWhenEmpty,
    /// successful_operations counts changed ones instead.
    SummarySuccessfulWrong,
    /// Unknown run's summary is an error.
    SummaryErrorForUnknownRun,
    /// get_run_data of an unknown run gives an empty run instead of None.
    RunDataForUnknownRun,
    /// Hosts without operations are left out of run data.
    HostsWithoutOperationsDropped,
    /// A duplicate run id is accepted silently (`INSERT OR IGNORE`).
    DuplicateRunAccepted,
    /// Any status string is stored.
    AnyStatusAccepted,
    /// end_run_update ignores the summary.
    EndRunDropsSummary,
    /// Writes made while another call is in flight are dropped.
    LostWritesUnderThreads,
    /// Each reopen starts an empty store.
    DataGoneAfterReopen,
    /// create_run drops the required secrets.
    SecretsDropped,
    /// Updates of an unknown run create it.
    UpdateCreatesUnknownRun,
    /// Every get_or_create_host call deadlocks.
    Deadlock,
    /// insert_operation panics.
    Panics,
    /// JSON keys sorted, as jsonb stores them.
    SortedJsonKeys,
    /// Big integers pass through f64.
    IntegersThroughF64,
}

/// A harbor with one defect over an inner harbor.
pub struct Broken {
    inner: Arc<dyn Limani>,
    defect: Defect,
    in_flight: AtomicUsize,
    hosts: Mutex<HashMap<String, HostId>>,
    calls: AtomicUsize,
}

impl Broken {
    pub fn new(defect: Defect, inner: Arc<dyn Limani>) -> Self {
        Broken {
            inner,
            defect,
            in_flight: AtomicUsize::new(0),
            hosts: Mutex::default(),
            calls: AtomicUsize::new(0),
        }
    }

    fn is(&self, defect: Defect) -> bool {
        self.defect == defect
    }

    /// Runs a write; under LostWritesUnderThreads it is dropped when another call is in flight.
    fn write(&self, f: impl FnOnce() -> Result<()>) -> Result<()> {
        let others = self.in_flight.fetch_add(1, Ordering::SeqCst);
        if self.is(Defect::LostWritesUnderThreads) {
            std::thread::sleep(Duration::from_micros(200));
        }
        let result = if self.is(Defect::LostWritesUnderThreads)
            && (others > 0 || self.in_flight.load(Ordering::SeqCst) > 1)
        {
            Ok(())
        } else {
            f()
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn read<T>(&self, f: impl FnOnce() -> T) -> T {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let out = f();
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }

    fn text(&self, s: &str) -> String {
        match self.defect {
            Defect::TruncatedStrings if s.len() > 65536 => {
                let mut end = 65536;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s[..end].to_owned()
            }
            Defect::NulTruncatedStrings => s.split('\0').next().unwrap_or_default().to_owned(),
            _ => s.to_owned(),
        }
    }

    fn json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.json(x)).collect()),
            Value::Object(m) => {
                let mut entries: Vec<_> =
                    m.iter().map(|(k, v)| (k.clone(), self.json(v))).collect();
                if self.is(Defect::SortedJsonKeys) {
                    entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
                }
                Value::Object(entries.into_iter().collect())
            }
            Value::Number(n)
                if self.is(Defect::IntegersThroughF64)
                    && !n.to_string().contains(['.', 'e', 'E']) =>
            {
                let f: f64 = n.to_string().parse().unwrap_or(0.0);
                serde_json::from_str(&format!("{}", f as i128)).unwrap_or(Value::Null)
            }
            other => other.clone(),
        }
    }

    fn float(&self, x: f64) -> f64 {
        if self.is(Defect::LossyFloats) {
            f64::from(x as f32)
        } else {
            x
        }
    }

    fn empty_as_null(&self, s: &mut Option<String>) {
        if self.is(Defect::NullForEmptyStrings) && s.as_deref() == Some("") {
            *s = None;
        }
    }
}

impl Limani for Broken {
    fn connect(&self) -> Result<()> {
        self.inner.connect()
    }
    fn disconnect(&self) -> Result<()> {
        self.inner.disconnect()
    }
    fn init_db(&self) -> Result<()> {
        self.inner.init_db()
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        let mut run = run.clone();
        run.run_id_human = self.text(&run.run_id_human);
        run.start_time = self.float(run.start_time);
        run.hailer_info = self.json(&run.hailer_info);
        if self.is(Defect::SecretsDropped) {
            run.required_secrets = None;
        }
        if self.is(Defect::DuplicateRunAccepted) && self.inner.get_run_data(&run.run_id)?.is_some()
        {
            return Ok(run.run_id);
        }
        self.inner.create_run(&run)
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        if self.is(Defect::UpdateCreatesUnknownRun) && self.inner.get_run_data(run_id)?.is_none() {
            self.inner.create_run(&conformance::suite::sample::run(
                run_id,
                conformance::Revision::Seed,
            ))?;
        }
        if self.is(Defect::AnyStatusAccepted) && RunStatus::parse(status).is_err() {
            return Ok(());
        }
        self.write(|| self.inner.start_update_run(run_id, status))
    }
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Value,
    ) -> Result<()> {
        if self.is(Defect::UpdateCreatesUnknownRun) && self.inner.get_run_data(run_id)?.is_none() {
            self.inner.create_run(&conformance::suite::sample::run(
                run_id,
                conformance::Revision::Seed,
            ))?;
        }
        if self.is(Defect::AnyStatusAccepted) && RunStatus::parse(status).is_err() {
            return Ok(());
        }
        let summary = if self.is(Defect::EndRunDropsSummary) {
            Value::Null
        } else {
            self.json(summary)
        };
        self.write(|| {
            self.inner
                .end_run_update(run_id, self.float(end_time), status, &summary)
        })
    }
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let name = self.text(host_name);
        match self.defect {
            Defect::Deadlock => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Defect::NonIdempotentHosts => {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                self.inner
                    .get_or_create_host(run_id, &format!("{name}\u{1}{n}"))
            }
            Defect::RacyHosts | Defect::RacyHostsUniqueError => {
                let existing = self.inner.get_run_data(run_id)?.and_then(|d| {
                    d.hosts
                        .iter()
                        .find(|h| h.name.split('\u{1}').next() == Some(name.as_str()))
                        .map(|h| h.id)
                });
                if let Some(id) = existing {
                    return Ok(id);
                }
                std::thread::sleep(Duration::from_millis(20)); // the window between select and insert
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                if self.is(Defect::RacyHostsUniqueError) && n > 0 {
                    return Err(conformance::LimaniError::storage_message(
                        "get_or_create_host",
                        "UNIQUE constraint failed: hosts.run_id, hosts.name",
                    ));
                }
                self.inner
                    .get_or_create_host(run_id, &format!("{name}\u{1}{n}"))
            }
            Defect::HostsSharedAcrossRuns => {
                let mut hosts = self.hosts.lock().unwrap();
                if let Some(id) = hosts.get(&name) {
                    return Ok(*id);
                }
                let id = self.inner.get_or_create_host(run_id, &name)?;
                hosts.insert(name, id);
                Ok(id)
            }
            _ => self.read(|| self.inner.get_or_create_host(run_id, &name)),
        }
    }
    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        if self.is(Defect::Panics) {
            panic!("index out of bounds: the len is 0 but the index is 0");
        }
        let mut op = op.clone();
        for s in [&mut op.op_hash, &mut op.name, &mut op.diff] {
            *s = self.text(s);
        }
        op.duration = self.float(op.duration);
        op.timestamp = self.float(op.timestamp);
        for v in [
            &mut op.logs,
            &mut op.arguments,
            &mut op.retry_stats,
            &mut op.command_n_facts,
        ] {
            *v = self.json(v);
        }
        self.write(|| self.inner.insert_operation(&op))
    }
    fn insert_snapshot(&self, s: &NewSnapshot) -> Result<()> {
        let mut s = s.clone();
        s.stage = self.text(&s.stage);
        s.timestamp = self.float(s.timestamp);
        s.metrics = self.json(&s.metrics);
        self.write(|| self.inner.insert_snapshot(&s))
    }
    fn insert_fact_log(&self, f: &NewFactLog) -> Result<()> {
        let mut f = f.clone();
        for s in [&mut f.log_level, &mut f.context, &mut f.command] {
            *s = self.text(s);
        }
        f.timestamp = self.float(f.timestamp);
        self.write(|| self.inner.insert_fact_log(&f))
    }
    fn get_facts_for_timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        let (lo, hi) = match self.defect {
            Defect::ClosedTimespanEnd if end.is_finite() => {
                (start, f64::from_bits(end.to_bits() + 1))
            }
            Defect::OpenTimespanStart if start.is_finite() => {
                (f64::from_bits(start.to_bits() + 1), end)
            }
            _ => (start, end),
        };
        let mut rows = self.read(|| self.inner.get_facts_for_timespan(run_id, lo, hi))?;
        if self.is(Defect::InsertionOrderTimespan) {
            rows.sort_by_key(|f| f.id);
        }
        for f in &mut rows {
            self.empty_as_null(&mut f.command);
            self.empty_as_null(&mut f.context);
            self.empty_as_null(&mut f.log_level);
        }
        Ok(rows)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        let mut stats = self.read(|| self.inner.get_run_summary_stats(run_id))?;
        match self.defect {
            Defect::SummaryWithoutRounding => {
                let data = self.inner.get_run_data(run_id)?;
                stats.total_duration = data.map_or(0.0, |d| {
                    d.hosts
                        .iter()
                        .flat_map(|h| &h.operations)
                        .map(|o| o.duration)
                        .sum()
                });
            }
            Defect::SummaryNanWhenEmpty if stats.total_operations == 0 => {
                stats.total_duration = f64::NAN
            }
            Defect::SummarySuccessfulWrong => {
                stats.successful_operations = stats.changed_operations
            }
            Defect::SummaryErrorForUnknownRun if self.inner.get_run_data(run_id)?.is_none() => {
                return Err(conformance::LimaniError::UnknownRun {
                    run_id: run_id.to_owned(),
                })
            }
            _ => {}
        }
        Ok(stats)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let data = self.read(|| self.inner.get_run_data(run_id))?;
        let Some(mut data) = data else {
            if self.is(Defect::RunDataForUnknownRun) {
                let run = MemoryLimani::new();
                run.create_run(&conformance::suite::sample::run(
                    run_id,
                    conformance::Revision::Seed,
                ))?;
                return run.get_run_data(run_id);
            }
            return Ok(None);
        };
        for h in &mut data.hosts {
            h.name = h.name.split('\u{1}').next().unwrap_or_default().to_owned();
            if self.is(Defect::InsertionOrderOperations) {
                h.operations.sort_by_key(|o| o.id);
            }
            for o in &mut h.operations {
                self.empty_as_null(&mut o.diff);
                self.empty_as_null(&mut o.op_hash);
            }
        }
        if self.is(Defect::HostsWithoutOperationsDropped) {
            data.hosts.retain(|h| !h.operations.is_empty());
        }
        if self.is(Defect::InsertionOrderFactLogs) {
            data.fact_logs.sort_by_key(|f| f.id);
        }
        for s in &mut data.snapshots {
            s.host_name = s
                .host_name
                .split('\u{1}')
                .next()
                .unwrap_or_default()
                .to_owned();
            self.empty_as_null(&mut s.stage);
        }
        for f in &mut data.fact_logs {
            self.empty_as_null(&mut f.command);
        }
        Ok(Some(data))
    }
}

/// A broken harbor over a fresh in-memory SQLite harbor.
pub fn over_sqlite(defect: Defect) -> Broken {
    Broken::new(defect, Arc::new(SqliteLimani::open_in_memory().unwrap()))
}
