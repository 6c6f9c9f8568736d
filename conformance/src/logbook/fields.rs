//! A logbook's fields read one by one: each missing one, or one of the wrong kind, said in one
//! line naming its path; the operations and fact logs of the file.

use std::collections::BTreeSet;

use limani_contract::{Exact, Json, NewFactLog};

/// A fact log of the file: its id there, and what is written.
#[derive(Clone, Debug)]
pub(super) struct Fact {
    pub(super) old_id: Option<String>,
    pub(super) log: NewFactLog,
}

#[derive(Clone, Debug)]
pub(super) struct Operation {
    pub(super) name: String,
    pub(super) changed: bool,
    pub(super) success: bool,
    pub(super) duration: f64,
    pub(super) logs: Json,
    pub(super) diff: String,
    pub(super) arguments: Json,
    pub(super) retry_stats: Json,
    /// `command_n_fact_history` as the file has it: Ch-rima's fact rows.
    pub(super) command_n_facts: Vec<Exact>,
}

pub(super) fn get<'a>(doc: &'a Exact, key: &str) -> Result<&'a Exact, String> {
    doc.get(key)
        .ok_or_else(|| format!("the logbook has no \"{key}\""))
}

pub(super) fn text(value: &Exact, what: &str) -> Result<String, String> {
    match value {
        Exact::Str(s) => Ok(s.clone()),
        other => Err(format!("{what} is not text: {}", other.to_text())),
    }
}

pub(super) fn number(value: &Exact, what: &str) -> Result<f64, String> {
    match value {
        Exact::Float(x) => Ok(*x),
        Exact::Int(n) => n.parse().map_err(|_| format!("{what} is not a number")),
        other => Err(format!("{what} is not a number: {}", other.to_text())),
    }
}

pub(super) fn boolean(value: &Exact, what: &str) -> Result<bool, String> {
    match value {
        Exact::Bool(b) => Ok(*b),
        other => Err(format!("{what} is not true or false: {}", other.to_text())),
    }
}

pub(super) fn list<'a>(value: &'a Exact, what: &str) -> Result<&'a [Exact], String> {
    match value {
        Exact::List(items) => Ok(items),
        other => Err(format!("{what} is not a list: {}", other.to_text())),
    }
}

pub(super) fn object<'a>(value: &'a Exact, what: &str) -> Result<&'a [(String, Exact)], String> {
    match value {
        Exact::Object(fields) => Ok(fields),
        other => Err(format!("{what} is not an object: {}", other.to_text())),
    }
}

pub(super) fn json(value: &Exact) -> Json {
    Json::new(value.to_text()).unwrap_or_else(|_| Json::empty_object())
}

pub(super) fn operation(op: &Exact, event: Option<&Exact>, at: &str) -> Result<Operation, String> {
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
pub(super) fn facts(
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
