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

use std::collections::{BTreeSet, HashMap};

use limani_contract::{
    Exact, Json, Limani, NewFactLog, NewOperation, NewRun, NewSnapshot, RunStatus,
};

/// A logbook read and checked, before anything is written.
#[derive(Clone, Debug)]
pub struct Logbook {
    pub run: NewRun,
    pub status: RunStatus,
    /// `summary` as written (with `status`), for `end_run_update` of a finished run.
    summary: Json,
    hosts: Vec<(String, Vec<Operation>)>,
    snapshots: Vec<(String, NewSnapshot)>,
    /// Every fact log once, in time order.
    facts: Vec<Fact>,
    end_time: f64,
}

/// A fact log of the file: its id there, and what is written.
#[derive(Clone, Debug)]
struct Fact {
    old_id: Option<String>,
    log: NewFactLog,
}

#[derive(Clone, Debug)]
struct Operation {
    name: String,
    changed: bool,
    success: bool,
    duration: f64,
    logs: Json,
    diff: String,
    arguments: Json,
    retry_stats: Json,
    /// `command_n_fact_history` as the file has it: Ch-rima's fact rows.
    command_n_facts: Vec<Exact>,
}

fn get<'a>(doc: &'a Exact, key: &str) -> Result<&'a Exact, String> {
    doc.get(key)
        .ok_or_else(|| format!("the logbook has no \"{key}\""))
}

fn text(value: &Exact, what: &str) -> Result<String, String> {
    match value {
        Exact::Str(s) => Ok(s.clone()),
        other => Err(format!("{what} is not text: {}", other.to_text())),
    }
}

fn number(value: &Exact, what: &str) -> Result<f64, String> {
    match value {
        Exact::Float(x) => Ok(*x),
        Exact::Int(n) => n.parse().map_err(|_| format!("{what} is not a number")),
        other => Err(format!("{what} is not a number: {}", other.to_text())),
    }
}

fn boolean(value: &Exact, what: &str) -> Result<bool, String> {
    match value {
        Exact::Bool(b) => Ok(*b),
        other => Err(format!("{what} is not true or false: {}", other.to_text())),
    }
}

fn list<'a>(value: &'a Exact, what: &str) -> Result<&'a [Exact], String> {
    match value {
        Exact::List(items) => Ok(items),
        other => Err(format!("{what} is not a list: {}", other.to_text())),
    }
}

fn object<'a>(value: &'a Exact, what: &str) -> Result<&'a [(String, Exact)], String> {
    match value {
        Exact::Object(fields) => Ok(fields),
        other => Err(format!("{what} is not an object: {}", other.to_text())),
    }
}

fn json(value: &Exact) -> Json {
    Json::new(value.to_text()).unwrap_or_else(|_| Json::empty_object())
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

    /// The ids the harbor gave the fact logs just written, by their ids in the file: one read
    /// of the whole run, each row matched to the fact log it holds.
    fn fact_ids(&self, harbor: &dyn Limani) -> Result<HashMap<String, i64>, String> {
        let (Some(first), Some(last)) = (self.facts.first(), self.facts.last()) else {
            return Ok(HashMap::new());
        };
        let (start, end) = (first.log.timestamp, next_time(last.log.timestamp));
        let mut rows = harbor
            .get_facts_for_timespan(&self.run.run_id, start, end)
            .map_err(|e| format!("reading back the fact logs: {e}"))?;
        let mut renamed = HashMap::new();
        for fact in &self.facts {
            let found = rows
                .iter()
                .position(|row| holds(row, &fact.log))
                .ok_or_else(|| {
                    format!(
                        "the harbor did not give back the fact log at {} ({:?}) just written",
                        fact.log.timestamp, fact.log.command
                    )
                })?;
            let row = rows.remove(found);
            if let Some(old) = &fact.old_id {
                renamed.insert(old.clone(), row.id);
            }
        }
        Ok(renamed)
    }

    /// The file's fact rows of one operation with the harbor's ids and this run's id: never an
    /// id the harbor did not give.
    fn rows_renamed(
        &self,
        rows: &[Exact],
        renamed: &HashMap<String, i64>,
    ) -> Result<Vec<Exact>, String> {
        let rename = |row: &Exact| -> Result<Exact, String> {
            let Exact::Object(fields) = row else {
                return Ok(row.clone());
            };
            let field = |(key, value): &(String, Exact)| -> Result<(String, Exact), String> {
                let value = match key.as_str() {
                    "id" => {
                        let new = renamed.get(&value.to_text()).ok_or_else(|| {
                            format!(
                                "fact id {} of command_n_fact_history is no fact log",
                                value.to_text()
                            )
                        })?;
                        Exact::Int(new.to_string())
                    }
                    "run_id" => Exact::Str(self.run.run_id.clone()),
                    _ => value.clone(),
                };
                Ok((key.clone(), value))
            };
            Ok(Exact::Object(
                fields.iter().map(field).collect::<Result<_, _>>()?,
            ))
        };
        rows.iter().map(rename).collect()
    }

    /// The operation's fact logs as the Logbook computes them: what `get_facts_for_timespan`
    /// answers over a window that holds exactly the file's rows (from the first to the next
    /// fact log after the last), when they are such a window and rows of Ch-rima's shape; else
    /// the file's rows renamed.
    fn read_as_the_logbook(
        &self,
        harbor: &dyn Limani,
        old_rows: &[Exact],
        renamed: Vec<Exact>,
    ) -> Result<Vec<Exact>, String> {
        let shaped = |row: &Exact| match row {
            Exact::Object(fields) => fields.iter().map(|(k, _)| k.as_str()).eq(FACT_ROW),
            _ => false,
        };
        let window = self
            .window_of(old_rows)
            .filter(|_| old_rows.iter().all(shaped));
        let Some((start, end)) = window else {
            return Ok(renamed);
        };
        let answer = harbor
            .get_facts_for_timespan(&self.run.run_id, start, end)
            .map_err(|e| e.to_string())?;
        Ok(answer.iter().map(super::fact_row).collect())
    }

    /// `[first, next)` where the file's rows are every fact log from the first of them to the
    /// last, in time order; `None` for an empty list or one with gaps (a read the writer
    /// thread had not caught up with).
    fn window_of(&self, rows: &[Exact]) -> Option<(f64, f64)> {
        let ids: Vec<String> = (rows.iter())
            .map(|r| r.get("id").map(Exact::to_text))
            .collect::<Option<_>>()?;
        let at = |id: &String| {
            self.facts
                .iter()
                .position(|f| f.old_id.as_ref() == Some(id))
        };
        let first = at(ids.first()?)?;
        let span = self.facts.get(first..first + ids.len())?;
        if span
            .iter()
            .zip(&ids)
            .any(|(f, id)| f.old_id.as_ref() != Some(id))
        {
            return None;
        }
        let (start, last) = (span[0].log.timestamp, span[span.len() - 1].log.timestamp);
        let after = self.facts.get(first + ids.len()).map(|f| f.log.timestamp);
        let before = first.checked_sub(1).map(|i| self.facts[i].log.timestamp);
        // A fact log of the same time just outside the span would fall inside any window.
        if after == Some(last) || before == Some(start) {
            return None;
        }
        Some((start, after.unwrap_or_else(|| next_time(last))))
    }
}

/// The keys of a fact row as Ch-rima returns it (`SELECT *`), in table order.
const FACT_ROW: [&str; 6] = [
    "id",
    "run_id",
    "timestamp",
    "log_level",
    "context",
    "command",
];

/// A row read back holds the fact log that was written.
fn holds(row: &limani_contract::FactLog, log: &NewFactLog) -> bool {
    let same = |a: &Option<String>, b: &str| a.as_deref().unwrap_or("") == b;
    row.timestamp.to_bits() == log.timestamp.to_bits()
        && same(&row.log_level, &log.log_level)
        && same(&row.context, &log.context)
        && same(&row.command, &log.command)
}

/// The next double after `t`, by a thousandth of a second where that is representable.
fn next_time(t: f64) -> f64 {
    let next = t + 0.001;
    if next > t {
        next
    } else {
        f64::from_bits(t.to_bits() + 1)
    }
}

fn operation(op: &Exact, event: Option<&Exact>, at: &str) -> Result<Operation, String> {
    let key = |k: &str| get(op, k).map_err(|e| format!("{at}: {e}"));
    let logs = match event.and_then(|e| e.get("logs")) {
        Some(logs) => json(logs),
        None => json(&Exact::Object(vec![
            ("stdout".into(), key("stdout")?.clone()),
            ("stderr".into(), key("stderr")?.clone()),
        ])),
    };
    let facts = event.and_then(|e| e.get("command_n_fact_history"));
    Ok(Operation {
        name: text(key("operation")?, &format!("{at}.operation"))?,
        changed: boolean(key("changed")?, &format!("{at}.changed"))?,
        success: boolean(key("success")?, &format!("{at}.success"))?,
        duration: number(key("duration")?, &format!("{at}.duration"))?,
        logs,
        diff: match key("diff")? {
            Exact::Null => String::new(),
            diff => text(diff, &format!("{at}.diff"))?,
        },
        arguments: json(key("operation_arguments")?),
        retry_stats: json(key("retry_statistics")?),
        command_n_facts: match facts {
            None | Some(Exact::Null) => Vec::new(),
            Some(rows) => list(rows, &format!("{at}: command_n_fact_history"))?.to_vec(),
        },
    })
}

/// The fact logs of `fact_history` and of every operation's `command_n_fact_history`, each
/// once (by id), in time order (ties in the order the file first shows them).
fn facts(
    doc: &Exact,
    hosts: &[(String, Vec<Operation>)],
    run_id: &str,
) -> Result<Vec<Fact>, String> {
    let history = match doc.get("fact_history") {
        Some(history) => list(history, "fact_history")?,
        None => &[],
    };
    let inside = hosts
        .iter()
        .flat_map(|(_, ops)| ops)
        .flat_map(|op| &op.command_n_facts);
    let mut seen = BTreeSet::new();
    let mut facts = Vec::new();
    for (i, row) in history.iter().chain(inside).enumerate() {
        let at = format!("fact row {i}");
        let old_id = row.get("id").map(Exact::to_text);
        if old_id.as_ref().is_some_and(|id| !seen.insert(id.clone())) {
            continue;
        }
        let optional = |key: &str| match row.get(key) {
            Some(Exact::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let timestamp = get(row, "timestamp").map_err(|e| format!("{at}: {e}"))?;
        let log = NewFactLog {
            run_id: run_id.to_owned(),
            timestamp: number(timestamp, &at)?,
            log_level: optional("log_level"),
            context: optional("context"),
            command: optional("command"),
        };
        if !log.timestamp.is_finite() {
            return Err(format!(
                "{at}: the timestamp {} is not a finite time",
                log.timestamp
            ));
        }
        facts.push(Fact { old_id, log });
    }
    facts.sort_by(|a, b| a.log.timestamp.total_cmp(&b.log.timestamp));
    Ok(facts)
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
