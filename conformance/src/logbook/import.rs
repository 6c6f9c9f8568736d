//! A v1 logbook written into a harbor as the Logbook would have written it: the run, its hosts,
//! every fact log (those of `fact_history` and those only inside an operation's
//! `command_n_fact_history`), each operation with the fact logs it was run against, under the
//! ids the harbor gave them, the snapshots and the end. Exported again, the same document comes
//! back, ids up to one renaming per kind ([`super::compare`]).
//!
//! What the format does not carry: operation timestamps and op hashes (operations get
//! increasing timestamps in their order, and an empty hash), the run's start and end times
//! (the earliest and latest timestamp the file has), and the order of `secrets_required`
//! (stored as a set, exported sorted). See docs/logbook.md.

use std::collections::BTreeSet;

use super::fields::{facts, get, json, list, number, object, operation, text, Fact, Operation};

use limani_contract::{Exact, Json, Limani, NewOperation, NewRun, NewSnapshot, RunStatus};

/// A logbook read and checked, before anything is written.
#[derive(Clone, Debug)]
pub struct Logbook {
    pub run: NewRun,
    pub status: RunStatus,
    /// `summary` as written (with `status`), for `end_run_update` of a finished run.
    pub(super) summary: Json,
    pub(super) hosts: Vec<(String, Vec<Operation>)>,
    pub(super) snapshots: Vec<(String, NewSnapshot)>,
    /// Every fact log once, in time order.
    pub(super) facts: Vec<Fact>,
    pub(super) end_time: f64,
}

impl Logbook {
    /// Reads a logbook; anything missing or of the wrong shape is one line naming it.
    pub fn parse(file: &str) -> Result<Logbook, String> {
        let doc = Exact::parse(file).map_err(|e| format!("not JSON: {e}"))?;
        match doc.get("api_version") {
            Some(Exact::Str(v)) if v == "v1" => {}
            Some(other) => return Err(format!("api_version {} is not \"v1\"", other.to_text())),
            None => return Err("not a logbook: no \"api_version\"".into()),
        }
        let run_id = text(get(&doc, "uggly_run_id")?, "uggly_run_id")?;
        let summary = get(&doc, "summary")?;
        let status = text(get(summary, "status")?, "summary.status")?;
        let status = RunStatus::parse(&status).map_err(|e| e.to_string())?;
        let streamed = match doc.get("streamed_history") {
            Some(events) => list(events, "streamed_history")?,
            None => &[],
        };
        let mut hosts = Vec::new();
        for (name, host) in object(get(&doc, "hosts")?, "hosts")? {
            let mut events = streamed
                .iter()
                .filter(|e| e.get("host") == Some(&Exact::Str(name.clone())));
            let history = list(get(host, "history")?, &format!("hosts.{name}.history"))?;
            let operations = (history.iter().enumerate())
                .map(|(i, op)| operation(op, events.next(), &format!("hosts.{name}.history[{i}]")))
                .collect::<Result<_, String>>()?;
            hosts.push((name.clone(), operations));
        }
        let mut times = Vec::new();
        let mut snapshots = Vec::new();
        if let Some(history) = doc.get("resource_history") {
            for (i, s) in list(history, "resource_history")?.iter().enumerate() {
                let at = |key: &str| format!("resource_history[{i}].{key}");
                let timestamp = number(get(s, "timestamp")?, &at("timestamp"))?;
                times.push(timestamp);
                let host = text(get(s, "host")?, &at("host"))?;
                let snapshot = NewSnapshot {
                    run_id: run_id.clone(),
                    host_id: 0,
                    stage: text(get(s, "stage")?, &at("stage"))?,
                    timestamp,
                    metrics: json(get(s, "metrics")?),
                };
                snapshots.push((host, snapshot));
            }
        }
        let facts = facts(&doc, &hosts, &run_id)?;
        times.extend(facts.iter().map(|f| f.log.timestamp));
        let start_time = times.iter().copied().fold(f64::INFINITY, f64::min);
        let start_time = if start_time.is_finite() {
            start_time
        } else {
            0.0
        };
        let end_time = times.iter().copied().fold(start_time, f64::max);
        let secrets = match doc.get("secrets_required") {
            None => None,
            Some(names) => Some(
                (list(names, "secrets_required")?.iter())
                    .map(|n| text(n, "a name of secrets_required"))
                    .collect::<Result<BTreeSet<_>, _>>()?,
            ),
        };
        let run = NewRun {
            run_id,
            run_id_human: text(get(&doc, "run_id")?, "run_id")?,
            start_time,
            hailer_info: json(doc.get("hailer").unwrap_or(&Exact::Object(Vec::new()))),
            required_secrets: secrets,
        };
        Ok(Logbook {
            run,
            status,
            summary: json(summary),
            hosts,
            snapshots,
            facts,
            end_time,
        })
    }

    /// The same logbook under another run id (`limani import --new-run-id`).
    pub fn with_run_id(mut self, run_id: &str) -> Logbook {
        self.run.run_id = run_id.to_owned();
        for fact in &mut self.facts {
            fact.log.run_id = run_id.to_owned();
        }
        for (_, snapshot) in &mut self.snapshots {
            snapshot.run_id = run_id.to_owned();
        }
        self
    }

    /// Every write, in an order the Logbook could have made them: the fact logs before the
    /// operations that were run against them.
    fn write(&self, harbor: &dyn Limani) -> Result<(), String> {
        let e = |e: limani_contract::LimaniError| e.to_string();
        let run_id = harbor.create_run(&self.run).map_err(e)?;
        let mut ids: Vec<(String, i64)> = Vec::new();
        let mut host_id = |name: &str| -> Result<i64, String> {
            match ids.iter().find(|(n, _)| n == name) {
                Some((_, id)) => Ok(*id),
                None => {
                    let id = harbor.get_or_create_host(&run_id, name).map_err(e)?;
                    ids.push((name.to_owned(), id));
                    Ok(id)
                }
            }
        };
        for (name, _) in &self.hosts {
            host_id(name)?;
        }
        for fact in &self.facts {
            harbor.insert_fact_log(&fact.log).map_err(e)?;
        }
        let renamed = self.fact_ids(harbor)?;
        let mut at = self.run.start_time;
        for (name, operations) in &self.hosts {
            let id = host_id(name)?;
            for op in operations {
                at = next_time(at);
                let rows = self.rows_renamed(&op.command_n_facts, &renamed)?;
                let rows = self.read_as_the_logbook(harbor, &op.command_n_facts, rows)?;
                let command_n_facts = Json::new(Exact::List(rows).to_text())
                    .map_err(|e| format!("command_n_fact_history: {e}"))?;
                harbor
                    .insert_operation(&NewOperation {
                        run_id: run_id.clone(),
                        host_id: id,
                        op_hash: String::new(),
                        name: op.name.clone(),
                        changed: op.changed,
                        success: op.success,
                        duration: op.duration,
                        timestamp: at,
                        logs: op.logs.clone(),
                        diff: op.diff.clone(),
                        arguments: op.arguments.clone(),
                        retry_stats: op.retry_stats.clone(),
                        command_n_facts,
                    })
                    .map_err(e)?;
            }
        }
        for (host, snapshot) in &self.snapshots {
            let snapshot = NewSnapshot {
                host_id: host_id(host)?,
                ..snapshot.clone()
            };
            harbor.insert_snapshot(&snapshot).map_err(e)?;
        }
        match self.status {
            RunStatus::InProgress => Ok(()),
            RunStatus::Failure => harbor.start_update_run(&run_id, "failure"),
            RunStatus::Success => {
                harbor.end_run_update(&run_id, self.end_time, "success", &self.summary)
            }
        }
        .map_err(e)
    }
}

/// The next double after `t`, by a thousandth of a second where that is representable.
pub(super) fn next_time(t: f64) -> f64 {
    let next = t + 0.001;
    if next > t {
        next
    } else {
        f64::from_bits(t.to_bits() + 1)
    }
}

/// Writes the logbook's run into `harbor` and returns its run id. A run of that id already
/// there is refused before anything is written.
pub fn import(logbook: &Logbook, harbor: &dyn Limani) -> Result<String, String> {
    harbor
        .init_db()
        .map_err(|e| format!("init_db failed: {e}"))?;
    let run_id = &logbook.run.run_id;
    match harbor.get_run_data(run_id) {
        Ok(None) => {}
        Ok(Some(_)) => {
            return Err(format!(
                "the run {run_id} is in this store already; nothing was written"
            ))
        }
        Err(e) => return Err(format!("cannot read the store: {e}")),
    }
    logbook
        .write(harbor)
        .map_err(|e| format!("writing the run {run_id} failed: {e}"))?;
    Ok(run_id.clone())
}
