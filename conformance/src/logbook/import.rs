//! A v1 logbook written into a harbor: the run, its hosts, operations, snapshots and fact logs,
//! so that exporting it again gives back the same document (ids up to a renaming).
//!
//! What the format does not carry: operation timestamps and op hashes (operations get
//! increasing timestamps in their order, and an empty hash), the run's start and end times
//! (the earliest and latest timestamp the file has), and the order of `secrets_required`
//! (stored as a set, exported sorted).

use std::collections::BTreeSet;

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
    facts: Vec<NewFactLog>,
    end_time: f64,
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
    command_n_facts: Json,
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
        times.extend(facts.iter().map(|f| f.timestamp));
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

    /// Every write, in an order the Logbook could have made them.
    fn write(&self, harbor: &dyn Limani) -> limani_contract::Result<()> {
        let run_id = harbor.create_run(&self.run)?;
        let mut ids = Vec::new();
        for (name, _) in &self.hosts {
            ids.push((name.clone(), harbor.get_or_create_host(&run_id, name)?));
        }
        let mut host_id = |name: &str| -> limani_contract::Result<i64> {
            match ids.iter().find(|(n, _)| n == name) {
                Some((_, id)) => Ok(*id),
                None => {
                    let id = harbor.get_or_create_host(&run_id, name)?;
                    ids.push((name.to_owned(), id));
                    Ok(id)
                }
            }
        };
        let mut at = self.run.start_time;
        for (name, operations) in &self.hosts {
            let id = host_id(name)?;
            for op in operations {
                at = next_time(at);
                harbor.insert_operation(&NewOperation {
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
                    command_n_facts: op.command_n_facts.clone(),
                })?;
            }
        }
        for (host, snapshot) in &self.snapshots {
            let snapshot = NewSnapshot {
                run_id: run_id.clone(),
                host_id: host_id(host)?,
                ..snapshot.clone()
            };
            harbor.insert_snapshot(&snapshot)?;
        }
        for fact in &self.facts {
            harbor.insert_fact_log(&NewFactLog {
                run_id: run_id.clone(),
                ..fact.clone()
            })?;
        }
        match self.status {
            RunStatus::InProgress => Ok(()),
            RunStatus::Failure => harbor.start_update_run(&run_id, "failure"),
            RunStatus::Success => {
                harbor.end_run_update(&run_id, self.end_time, "success", &self.summary)
            }
        }
    }
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
        command_n_facts: json(facts.unwrap_or(&Exact::List(Vec::new()))),
    })
}

/// The fact logs of `fact_history` and of every operation's `command_n_fact_history`, each
/// once (by id), in time order.
fn facts(
    doc: &Exact,
    hosts: &[(String, Vec<Operation>)],
    run_id: &str,
) -> Result<Vec<NewFactLog>, String> {
    let mut rows: Vec<Exact> = match doc.get("fact_history") {
        Some(history) => list(history, "fact_history")?.to_vec(),
        None => Vec::new(),
    };
    for op in hosts.iter().flat_map(|(_, ops)| ops) {
        if let Exact::List(items) = op.command_n_facts.parse() {
            rows.extend(items);
        }
    }
    let mut seen = BTreeSet::new();
    let mut facts = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let at = format!("fact row {i}");
        let id = row.get("id").map(Exact::to_text);
        if id.as_ref().is_some_and(|id| !seen.insert(id.clone())) {
            continue;
        }
        let optional = |key: &str| match row.get(key) {
            Some(Exact::Str(s)) => s.clone(),
            _ => String::new(),
        };
        facts.push(NewFactLog {
            run_id: run_id.to_owned(),
            timestamp: number(
                get(row, "timestamp").map_err(|e| format!("{at}: {e}"))?,
                &at,
            )?,
            log_level: optional("log_level"),
            context: optional("context"),
            command: optional("command"),
        });
    }
    facts.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
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
