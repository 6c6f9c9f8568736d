//! `Broken`: a harbor that delegates every call to a correct one and bends what its
//! defect names, on the way in (writes) or on the way out (reads).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conformance::toolkit::sample;
use conformance::{Exact, Json};
use conformance::{
    FactLog, HostId, Limani, LimaniError, MemoryLimani, NewFactLog, NewOperation, NewRun,
    NewSnapshot, Result, Revision, RunData, RunStatus, SummaryStats,
};

use super::Defect;

static OPENINGS: AtomicI64 = AtomicI64::new(1);

/// A harbor with one defect over an inner, correct harbor.
pub struct Broken {
    defect: Defect,
    inner: Mutex<Arc<dyn Limani>>,
    /// Host ids given out are the inner ids plus this (renumbering defects).
    salt: i64,
    in_flight: AtomicUsize,
    calls: AtomicUsize,
    inits: AtomicUsize,
    hosts_by_name: Mutex<HashMap<String, HostId>>,
    runs: Mutex<Vec<String>>,
    frozen: Mutex<HashMap<String, SummaryStats>>,
    buffer: Mutex<Vec<NewFactLog>>,
    names: Mutex<HashMap<String, Vec<(String, HostId)>>>,
    ends: Mutex<HashMap<String, usize>>,
    timespan_reads: AtomicUsize,
    /// Under LockedWhileConnected: the lock file, and the lock this instance holds.
    lock_file: Option<std::path::PathBuf>,
    held: Mutex<Option<std::fs::File>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Broken {
    pub fn new(defect: Defect, inner: Arc<dyn Limani>) -> Self {
        let salt = match defect {
            Defect::HostIdsRenumberedAfterReopen => OPENINGS.fetch_add(1, Ordering::SeqCst) * 1000,
            _ => 0,
        };
        Broken {
            defect,
            inner: Mutex::new(inner),
            salt,
            in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
            inits: AtomicUsize::new(0),
            hosts_by_name: Mutex::default(),
            runs: Mutex::default(),
            frozen: Mutex::default(),
            buffer: Mutex::default(),
            names: Mutex::default(),
            ends: Mutex::default(),
            timespan_reads: AtomicUsize::new(0),
            lock_file: None,
            held: Mutex::default(),
        }
    }

    /// Under LockedWhileConnected: the file whose lock connect() takes for the store.
    pub fn locking(mut self, lock_file: std::path::PathBuf) -> Self {
        self.lock_file = Some(lock_file);
        self
    }

    fn inner(&self) -> Arc<dyn Limani> {
        lock(&self.inner).clone()
    }

    fn is(&self, defect: Defect) -> bool {
        self.defect == defect
    }

    /// A write; under LostWritesUnderThreads it is dropped when another call is in flight.
    fn write(&self, f: impl FnOnce(&dyn Limani) -> Result<()>) -> Result<()> {
        let others = self.in_flight.fetch_add(1, Ordering::SeqCst);
        let lose = (self.is(Defect::LostWritesUnderThreads) && {
            std::thread::sleep(Duration::from_micros(200));
            others > 0 || self.in_flight.load(Ordering::SeqCst) > 1
        }) || (self.is(Defect::WritesLostDuringTimespanReads) && {
            std::thread::sleep(Duration::from_micros(300));
            self.timespan_reads.load(Ordering::SeqCst) > 0
        });
        let result = if lose {
            Ok(())
        } else {
            f(self.inner().as_ref())
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn read<T>(&self, f: impl FnOnce(&dyn Limani) -> T) -> T {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let out = f(self.inner().as_ref());
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }

    fn text(&self, s: &str) -> String {
        match self.defect {
            Defect::TruncatedStrings if s.len() > 65536 => {
                let end = (0..=65536)
                    .rev()
                    .find(|&i| s.is_char_boundary(i))
                    .unwrap_or(0);
                s[..end].to_owned()
            }
            Defect::NulTruncatedStrings => s.split('\0').next().unwrap_or_default().to_owned(),
            Defect::AsciiOnlyStrings => s
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect(),
            Defect::QuotesDoubled => s.replace('\'', "''"),
            _ => s.to_owned(),
        }
    }

    fn json(&self, v: &Json) -> Json {
        let text = self.json_at(&v.parse(), 0).to_text();
        Json::new(text).expect("the zoo writes JSON")
    }

    fn json_at(&self, v: &Exact, depth: usize) -> Exact {
        if self.is(Defect::JsonDepthLimited) && depth > 32 {
            return Exact::Null;
        }
        match v {
            Exact::Str(s) => Exact::Str(self.text(s)),
            Exact::List(a) => Exact::List(a.iter().map(|x| self.json_at(x, depth + 1)).collect()),
            Exact::Object(m) => {
                let mut entries: Vec<_> = m
                    .iter()
                    .map(|(k, v)| (self.text(k), self.json_at(v, depth + 1)))
                    .collect();
                if self.is(Defect::SortedJsonKeys) {
                    entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
                }
                Exact::Object(entries)
            }
            Exact::Int(n) if self.is(Defect::IntegersThroughF64) => {
                let f: f64 = n.parse().unwrap_or(0.0);
                Exact::Int(format!("{}", f as i128))
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

    fn time(&self, x: f64) -> f64 {
        if self.is(Defect::TimestampsToMicros) {
            (x * 1e6).round() / 1e6
        } else {
            self.float(x)
        }
    }

    fn null_if_empty(&self, s: &mut Option<String>) {
        if self.is(Defect::NullForEmptyStrings) && s.as_deref() == Some("") {
            *s = None;
        }
    }

    /// A time the defect lets through unchecked (it stores nothing for it).
    fn swallows(&self, times: &[f64]) -> bool {
        self.is(Defect::NonFiniteAccepted) && times.iter().any(|t| !t.is_finite())
    }

    fn unknown_run(&self, run_id: &str) -> Result<bool> {
        Ok(self.inner().get_run_data(run_id)?.is_none())
    }

    /// The run a write goes to: under WritesToLastCreatedRun, the last created run.
    fn target_run(&self, run_id: &str) -> String {
        match self.is(Defect::WritesToLastCreatedRun) {
            true => lock(&self.runs)
                .last()
                .cloned()
                .unwrap_or_else(|| run_id.to_owned()),
            false => run_id.to_owned(),
        }
    }

    fn flush(&self) -> Result<()> {
        let pending: Vec<_> = lock(&self.buffer).drain(..).collect();
        pending
            .iter()
            .try_for_each(|f| self.inner().insert_fact_log(f))
    }

    /// Accepts writes the inner harbor rejected for their run or host, storing nothing.
    fn accept_rejected(&self, result: Result<()>) -> Result<()> {
        match result {
            Err(LimaniError::UnknownRun { .. }) if self.is(Defect::UnknownRunWritesAccepted) => {
                Ok(())
            }
            Err(LimaniError::UnknownHost { .. }) if self.is(Defect::HostRunNotChecked) => Ok(()),
            other => other,
        }
    }

    fn update_unknown(&self, run_id: &str) -> Result<()> {
        if self.is(Defect::UpdateCreatesUnknownRun) && self.unknown_run(run_id)? {
            self.inner()
                .create_run(&sample::run(run_id, Revision::Seed))?;
        }
        Ok(())
    }
}

impl Limani for Broken {
    /// The Logbook's status query through connect(), answered from the inner harbor's run data.
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        if self.is(Defect::ConnectWithoutExecute) {
            let message = "AttributeError: 'NoneType' object has no attribute 'execute'";
            return Some(Err(LimaniError::storage_message(
                "status_through_connect",
                message,
            )));
        }
        Some(
            self.inner()
                .get_run_data(run_id)
                .map(|d| d.map(|d| d.run.status.as_str().to_owned())),
        )
    }

    /// A crash loses what was only in this process's memory.
    fn crash(&self) -> bool {
        lock(&self.buffer).clear();
        true
    }

    fn connect(&self) -> Result<()> {
        if let Some(path) = &self.lock_file {
            let locked = std::fs::File::create(path)
                .and_then(|f| f.try_lock().map(|()| f).map_err(std::io::Error::other));
            match locked {
                Ok(file) => *lock(&self.held) = Some(file),
                Err(e) => {
                    return Err(LimaniError::storage_message(
                        "connect",
                        format!("database is locked ({e})"),
                    ))
                }
            }
        }
        self.inner().connect()
    }

    fn disconnect(&self) -> Result<()> {
        lock(&self.held).take();
        self.flush()?;
        self.inner().disconnect()
    }

    fn init_db(&self) -> Result<()> {
        if self.is(Defect::InitDbWipes) && self.inits.fetch_add(1, Ordering::SeqCst) > 0 {
            *lock(&self.inner) = Arc::new(MemoryLimani::new());
        }
        self.inner().init_db()
    }

    fn create_run(&self, run: &NewRun) -> Result<String> {
        let mut run = run.clone();
        run.run_id_human = self.text(&run.run_id_human);
        run.start_time = self.time(run.start_time);
        run.hailer_info = if self.is(Defect::HailerDropped) {
            Json::new("null").expect("JSON")
        } else {
            self.json(&run.hailer_info)
        };
        if let Some(secrets) = run.required_secrets.as_mut() {
            *secrets = secrets.iter().map(|s| self.text(s)).collect();
        }
        if self.is(Defect::SecretsDropped) {
            run.required_secrets = None;
        }
        if self.swallows(&[run.start_time]) {
            return Ok(run.run_id);
        }
        if self.is(Defect::DuplicateRunAccepted) && !self.unknown_run(&run.run_id)? {
            return Ok(run.run_id);
        }
        let id = self.inner().create_run(&run)?;
        lock(&self.runs).push(run.run_id.clone());
        match self.is(Defect::CreateRunReturnsHumanId) {
            true => Ok(run.run_id_human),
            false => Ok(id),
        }
    }

    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.update_unknown(run_id)?;
        if self.is(Defect::SummaryFrozenAtFailure) && status == "failure" {
            let stats = self.inner().get_run_summary_stats(run_id)?;
            lock(&self.frozen).entry(run_id.to_owned()).or_insert(stats);
        }
        if self.is(Defect::StatusUpdateIgnored)
            || (self.is(Defect::AnyStatusAccepted) && RunStatus::parse(status).is_err())
        {
            return Ok(());
        }
        self.write(|h| h.start_update_run(run_id, status))
    }

    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        self.update_unknown(run_id)?;
        if (self.is(Defect::AnyStatusAccepted) && RunStatus::parse(status).is_err())
            || self.swallows(&[end_time])
        {
            return Ok(());
        }
        let summary = if self.is(Defect::EndRunDropsSummary) {
            Json::new("null").expect("JSON")
        } else {
            self.json(summary)
        };
        let current = || {
            self.inner()
                .get_run_data(run_id)
                .ok()
                .flatten()
                .map(|d| d.run.status)
        };
        let status = match self.defect {
            Defect::EndRunKeepsStatus => {
                current().map_or(status.to_owned(), |s| s.as_str().to_owned())
            }
            Defect::EndKeepsFailure if current() == Some(RunStatus::Failure) => {
                "failure".to_owned()
            }
            _ => status.to_owned(),
        };
        self.write(|h| h.end_run_update(run_id, self.time(end_time), &status, &summary))?;
        let ends = {
            let mut ends = lock(&self.ends);
            *ends
                .entry(run_id.to_owned())
                .and_modify(|n| *n += 1)
                .or_insert(1)
        };
        if self.is(Defect::SummaryFrozenAtSecondEnd) && ends == 2 {
            let stats = self.inner().get_run_summary_stats(run_id)?;
            lock(&self.frozen).insert(run_id.to_owned(), stats);
        }
        Ok(())
    }

    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let mut name = self.text(host_name);
        if self.is(Defect::HostNamesCaseInsensitive) {
            name = name.to_lowercase();
        }
        let id = match self.defect {
            Defect::Deadlock => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Defect::NonIdempotentHosts => {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                self.inner()
                    .get_or_create_host(run_id, &format!("{name}\u{1}{n}"))?
            }
            Defect::RacyHosts | Defect::RacyHostsUniqueError => {
                let data = self.inner().get_run_data(run_id)?;
                let existing = data.and_then(|d| {
                    d.hosts
                        .iter()
                        .find(|h| h.name.split('\u{1}').next() == Some(&name))
                        .map(|h| h.id)
                });
                if let Some(id) = existing {
                    return Ok(id);
                }
                std::thread::sleep(Duration::from_millis(20)); // between the select and the insert
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                if self.is(Defect::RacyHostsUniqueError) && n > 0 {
                    let message = "UNIQUE constraint failed: hosts.run_id, hosts.name";
                    return Err(LimaniError::storage_message("get_or_create_host", message));
                }
                self.inner()
                    .get_or_create_host(run_id, &format!("{name}\u{1}{n}"))?
            }
            Defect::HostsSharedAcrossRuns => {
                let mut hosts = lock(&self.hosts_by_name);
                if let Some(id) = hosts.get(&name) {
                    return Ok(*id);
                }
                let id = self.inner().get_or_create_host(run_id, &name)?;
                hosts.insert(name, id);
                id
            }
            Defect::HostAfterEndGetsFirstId => {
                let mut names = lock(&self.names);
                let seen = names.entry(run_id.to_owned()).or_default();
                if let Some((_, id)) = seen.iter().find(|(n, _)| *n == name) {
                    return Ok(*id);
                }
                let ended = lock(&self.ends).get(run_id).is_some_and(|n| *n > 0);
                let id = match (ended, seen.first()) {
                    (true, Some((_, first))) => *first,
                    _ => self.inner().get_or_create_host(run_id, &name)?,
                };
                seen.push((name, id));
                id
            }
            _ => self.read(|h| h.get_or_create_host(run_id, &name))?,
        };
        Ok(id + self.salt)
    }

    fn insert_operation(&self, op: &NewOperation) -> Result<()> {
        if self.is(Defect::Panics) {
            panic!("index out of bounds: the len is 0 but the index is 0");
        }
        let mut op = op.clone();
        for s in [&mut op.op_hash, &mut op.name, &mut op.diff] {
            *s = self.text(s);
        }
        (op.duration, op.timestamp, op.host_id) = (
            self.float(op.duration),
            self.time(op.timestamp),
            op.host_id - self.salt,
        );
        for v in [
            &mut op.logs,
            &mut op.arguments,
            &mut op.retry_stats,
            &mut op.command_n_facts,
        ] {
            *v = self.json(v);
        }
        if self.is(Defect::FlagsSwapped) {
            (op.changed, op.success) = (op.success, op.changed);
        }
        if self.swallows(&[op.duration, op.timestamp]) {
            return Ok(());
        }
        let result = self.write(|h| h.insert_operation(&op));
        self.accept_rejected(result)
    }

    fn insert_snapshot(&self, s: &NewSnapshot) -> Result<()> {
        let mut s = s.clone();
        (s.stage, s.timestamp, s.host_id) = (
            self.text(&s.stage),
            self.time(s.timestamp),
            s.host_id - self.salt,
        );
        s.metrics = if self.is(Defect::SnapshotMetricsDropped) {
            serde_json::json!({}).into()
        } else {
            self.json(&s.metrics)
        };
        if self.swallows(&[s.timestamp]) {
            return Ok(());
        }
        let result = self.write(|h| h.insert_snapshot(&s));
        self.accept_rejected(result)
    }

    fn insert_fact_log(&self, f: &NewFactLog) -> Result<()> {
        let mut f = f.clone();
        for s in [&mut f.log_level, &mut f.context, &mut f.command] {
            *s = self.text(s);
        }
        if self.is(Defect::FactContextAsLevel) {
            f.log_level = f.context.clone();
        }
        if self.is(Defect::FactCommandsCut) {
            f.command = f.command.chars().take(255).collect();
        }
        (f.timestamp, f.run_id) = (self.time(f.timestamp), self.target_run(&f.run_id));
        if self.swallows(&[f.timestamp]) {
            return Ok(());
        }
        if self.is(Defect::AckedBeforeDurable) {
            lock(&self.buffer).push(f);
            return Ok(());
        }
        if self.is(Defect::WriteBehindBuffer) {
            let full = {
                let mut buffer = lock(&self.buffer);
                buffer.push(f);
                buffer.len() >= 10
            };
            return if full { self.flush() } else { Ok(()) };
        }
        let result = self.write(|h| h.insert_fact_log(&f));
        self.accept_rejected(result)
    }

    fn get_facts_for_timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        let (mut lo, mut hi) = match self.defect {
            Defect::ClosedTimespanEnd if end.is_finite() => {
                (start, f64::from_bits(end.to_bits() + 1))
            }
            Defect::OpenTimespanStart if start.is_finite() => {
                (f64::from_bits(start.to_bits() + 1), end)
            }
            _ => (start, end),
        };
        if self.is(Defect::InvertedWindowSwapped) && lo > hi {
            (lo, hi) = (hi, lo);
        }
        if self.is(Defect::NanBoundsGiveEmpty) && (lo.is_nan() || hi.is_nan()) {
            return Ok(Vec::new());
        }
        let runs = match self.is(Defect::TimespanAllRuns) {
            true => lock(&self.runs).clone(),
            false => vec![run_id.to_owned()],
        };
        let mut rows = Vec::new();
        self.timespan_reads.fetch_add(1, Ordering::SeqCst);
        if self.is(Defect::WritesLostDuringTimespanReads) {
            std::thread::sleep(Duration::from_micros(500));
        }
        for run in runs {
            let read = self.read(|h| h.get_facts_for_timespan(&run, lo, hi));
            match read {
                Ok(more) => rows.extend(more),
                Err(e) => {
                    self.timespan_reads.fetch_sub(1, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        self.timespan_reads.fetch_sub(1, Ordering::SeqCst);
        if self.is(Defect::TimespanDropsThirdOfATimestamp) {
            let mut kept: Vec<FactLog> = Vec::new();
            for row in rows {
                if kept.iter().filter(|k| k.timestamp == row.timestamp).count() < 2 {
                    kept.push(row);
                }
            }
            rows = kept;
        }
        if self.is(Defect::InsertionOrderTimespan) {
            rows.sort_by_key(|f| f.id);
        }
        for f in &mut rows {
            for s in [&mut f.command, &mut f.context, &mut f.log_level] {
                self.null_if_empty(s);
            }
            if self.is(Defect::TimespanRowsWithoutRunId) {
                f.run_id = String::new();
            }
        }
        Ok(rows)
    }

    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        if let Some(frozen) = lock(&self.frozen).get(run_id) {
            return Ok(frozen.clone());
        }
        let mut stats = self.read(|h| h.get_run_summary_stats(run_id))?;
        if self.is(Defect::OperationsUpsertedByName) {
            let data = self.get_run_data(run_id)?;
            let ops = data
                .iter()
                .flat_map(|d| &d.hosts)
                .flat_map(|h| &h.operations);
            stats = conformance::model::rules::summary_stats(
                ops.map(|o| (o.changed, o.success, o.duration)),
            );
        }
        match self.defect {
            Defect::SummaryWithoutRounding => {
                let data = self.inner().get_run_data(run_id)?;
                stats.total_duration = data.map_or(0.0, |d| {
                    d.hosts
                        .iter()
                        .flat_map(|h| &h.operations)
                        .map(|o| o.duration)
                        .sum()
                });
            }
            Defect::PlainSumSummary => {
                let mut ops: Vec<_> = (self.inner().get_run_data(run_id)?)
                    .map(|d| d.hosts.into_iter().flat_map(|h| h.operations).collect())
                    .unwrap_or_default();
                ops.sort_by_key(|o| o.id);
                let sum: f64 = ops.iter().map(|o| o.duration).fold(0.0, |a, b| a + b);
                stats.total_duration = match sum {
                    0.0 => 0.0,
                    sum => format!("{sum:.4}").parse().unwrap_or(sum),
                };
            }
            Defect::SummaryNanWhenEmpty if stats.total_operations == 0 => {
                stats.total_duration = f64::NAN
            }
            Defect::SummarySuccessfulWrong => {
                stats.successful_operations = stats.changed_operations
            }
            Defect::SummaryErrorForUnknownRun if self.unknown_run(run_id)? => {
                return Err(LimaniError::UnknownRun {
                    run_id: run_id.to_owned(),
                })
            }
            _ => {}
        }
        Ok(stats)
    }

    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let Some(mut data) = self.read(|h| h.get_run_data(run_id))? else {
            if self.is(Defect::RunDataForUnknownRun) {
                let empty = MemoryLimani::new();
                empty.create_run(&sample::run(run_id, Revision::Seed))?;
                return empty.get_run_data(run_id);
            }
            return Ok(None);
        };
        let shown = |id: HostId| {
            id + self.salt
                + if self.is(Defect::RunDataHostIdsRenumbered) {
                    1000
                } else {
                    0
                }
        };
        for h in &mut data.hosts {
            h.name = h.name.split('\u{1}').next().unwrap_or_default().to_owned();
            h.id = shown(h.id);
            if self.is(Defect::InsertionOrderOperations) {
                h.operations.sort_by_key(|o| o.id);
            }
            if self.is(Defect::OperationsUpsertedByName) {
                let latest = |o: &conformance::OperationRecord| {
                    h.operations
                        .iter()
                        .filter(|p| p.name == o.name)
                        .map(|p| p.id)
                        .max()
                        == Some(o.id)
                };
                let kept: Vec<_> = h.operations.iter().filter(|o| latest(o)).cloned().collect();
                h.operations = kept;
            }
            for o in &mut h.operations {
                o.host_id = shown(o.host_id);
                self.null_if_empty(&mut o.diff);
                self.null_if_empty(&mut o.op_hash);
            }
        }
        if self.is(Defect::OperationsUnderFirstHost) && data.hosts.len() > 1 {
            let moved: Vec<_> = data.hosts[1..]
                .iter_mut()
                .flat_map(|h| std::mem::take(&mut h.operations))
                .collect();
            data.hosts[0].operations.extend(moved);
        }
        if self.is(Defect::HostsWithoutOperationsDropped) {
            data.hosts.retain(|h| !h.operations.is_empty());
        }
        if self.is(Defect::HostsByName) {
            data.hosts.sort_by(|a, b| a.name.cmp(&b.name));
        }
        if self.is(Defect::TiesReversed) {
            let by = |t: f64, id: i64| (t.to_bits(), std::cmp::Reverse(id));
            for h in &mut data.hosts {
                h.operations.sort_by_key(|o| by(o.timestamp, o.id));
            }
            data.snapshots.sort_by_key(|s| by(s.timestamp, s.id));
            data.fact_logs.sort_by_key(|f| by(f.timestamp, f.id));
        }
        if self.is(Defect::RunDataNeedsEnd) && data.run.end_time.is_none() {
            let why =
                "TypeError: float() argument must be a string or a real number, not 'NoneType'";
            return Err(LimaniError::storage_message("get_run_data", why));
        }
        if self.is(Defect::RunDataMixesRuns) {
            let before = lock(&self.runs)
                .iter()
                .take_while(|r| *r != run_id)
                .last()
                .cloned();
            if let Some(other) = before.and_then(|r| self.inner().get_run_data(&r).ok().flatten()) {
                data.fact_logs.extend(other.fact_logs);
            }
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
            s.host_id = shown(s.host_id);
            if self.is(Defect::SnapshotHostNameIsId) {
                s.host_name = s.host_id.to_string();
            }
            self.null_if_empty(&mut s.stage);
        }
        for f in &mut data.fact_logs {
            self.null_if_empty(&mut f.command);
        }
        Ok(Some(data))
    }
}
