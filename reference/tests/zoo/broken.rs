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

#[path = "broken/bend.rs"]
mod bend;
#[path = "broken/reads.rs"]
mod reads;

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
                // The loser of a race: another thread inserted the host meanwhile (looked up
                // only where the defect raises for it).
                let raced = || -> conformance::Result<bool> {
                    Ok((self.inner().get_run_data(run_id)?.into_iter())
                        .flat_map(|d| d.hosts)
                        .any(|h| h.name.split('\u{1}').next() == Some(&name)))
                };
                if self.is(Defect::RacyHostsUniqueError) && raced()? {
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
        self.timespan(run_id, start, end)
    }

    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.summary(run_id)
    }

    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        self.run_data(run_id)
    }
}
