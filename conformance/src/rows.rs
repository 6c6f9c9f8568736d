//! Run data in the row shape of Ch-rima's `get_run_data`: column names, `*_json` text, 0/1 flags.
//! This is how Python harbors speak, and how Python reads what Rust writes.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::error::{LimaniError, Result};
use crate::json::Json;
use crate::records::{
    FactLog, HostRecord, OperationRecord, RunData, RunRecord, RunStatus, SnapshotRecord,
};

/// The dict Ch-rima's `get_run_data` returns for this run.
pub fn to_rows(data: &RunData) -> Value {
    json!({
        "run": run_row(&data.run),
        "hosts": data.hosts.iter().map(host_row).collect::<Vec<_>>(),
        "snapshots": data.snapshots.iter().map(snapshot_row).collect::<Vec<_>>(),
        "fact_logs": data.fact_logs.iter().map(fact_row).collect::<Vec<_>>(),
    })
}

/// Reads the dict a Ch-rima-like `get_run_data` returned; a value of the wrong shape is named by its path.
pub fn from_rows(rows: &Value) -> Result<RunData> {
    let top = Row::new("run_data", rows)?;
    Ok(RunData {
        run: parse_run(&top.child("run")?)?,
        hosts: top.list("hosts", parse_host)?,
        snapshots: top.list("snapshots", parse_snapshot)?,
        fact_logs: top.list("fact_logs", parse_fact)?,
    })
}

/// Reads a fact log row, as `get_facts_for_timespan` returns it.
pub fn fact_from_row(path: &str, row: &Value) -> Result<FactLog> {
    parse_fact(&Row::new(path, row)?)
}

/// `command_n_facts` as the Logbook builds it: the fact rows a timespan read returned.
pub fn facts_json(facts: &[FactLog]) -> Json {
    Value::Array(facts.iter().map(fact_row).collect()).into()
}

/// JSON payloads are stored as JSON text (`json.dumps`), `None` as SQL NULL.
pub fn json_text(value: &Option<Json>) -> Value {
    match value {
        Some(v) => Value::String(v.as_str().to_owned()),
        None => Value::Null,
    }
}

fn secrets_text(secrets: &Option<BTreeSet<String>>) -> Value {
    match secrets {
        Some(s) => Value::String(crate::records::secrets_to_json(s).into_string()),
        None => Value::Null,
    }
}

fn run_row(run: &RunRecord) -> Value {
    json!({
        "id": run.id, "run_id_human": run.run_id_human,
        "start_time": run.start_time, "end_time": run.end_time, "status": run.status.as_str(),
        "summary_json": json_text(&run.summary), "hailer_json": json_text(&run.hailer),
        "required_secrets": secrets_text(&run.required_secrets),
    })
}

fn host_row(host: &HostRecord) -> Value {
    json!({
        "id": host.id, "run_id": host.run_id, "name": host.name,
        "summary_json": json_text(&host.summary),
        "operations": host.operations.iter().map(operation_row).collect::<Vec<_>>(),
    })
}

fn operation_row(op: &OperationRecord) -> Value {
    json!({
        "id": op.id, "run_id": op.run_id, "host_id": op.host_id, "op_hash": op.op_hash,
        "name": op.name, "changed": i64::from(op.changed), "success": i64::from(op.success),
        "duration": op.duration, "timestamp": op.timestamp,
        "logs_json": json_text(&op.logs), "diff": op.diff,
        "arguments_json": json_text(&op.arguments), "retry_stats_json": json_text(&op.retry_stats),
        "command_n_facts_in_order_json": json_text(&op.command_n_facts),
    })
}

fn snapshot_row(s: &SnapshotRecord) -> Value {
    json!({
        "id": s.id, "run_id": s.run_id, "host_id": s.host_id, "stage": s.stage,
        "timestamp": s.timestamp, "metrics_json": json_text(&s.metrics), "host_name": s.host_name,
    })
}

/// A fact log as a row of `get_facts_for_timespan`.
pub fn fact_row(f: &FactLog) -> Value {
    json!({
        "id": f.id, "run_id": f.run_id, "timestamp": f.timestamp,
        "log_level": f.log_level, "context": f.context, "command": f.command,
    })
}

fn parse_run(row: &Row) -> Result<RunRecord> {
    let status = row.string("status")?;
    Ok(RunRecord {
        id: row.string("id")?,
        run_id_human: row.string("run_id_human")?,
        start_time: row.float("start_time")?,
        end_time: row.optional("end_time", Row::float)?,
        status: RunStatus::parse(&status).map_err(|_| row.wrong("status", "a run status"))?,
        summary: row.json("summary_json")?,
        hailer: row.json("hailer_json")?,
        required_secrets: row
            .json("required_secrets")?
            .map(|list| secrets(&row.path("required_secrets"), &list))
            .transpose()?,
    })
}

fn secrets(path: &str, list: &Json) -> Result<BTreeSet<String>> {
    crate::records::secrets_from_json(list).map_err(|e| LimaniError::invalid(path, e.to_string()))
}

fn parse_host(row: &Row) -> Result<HostRecord> {
    Ok(HostRecord {
        id: row.int("id")?,
        run_id: row.string("run_id")?,
        name: row.string("name")?,
        summary: row.json("summary_json")?,
        operations: row.list("operations", parse_operation)?,
    })
}

fn parse_operation(row: &Row) -> Result<OperationRecord> {
    Ok(OperationRecord {
        id: row.int("id")?,
        run_id: row.string("run_id")?,
        host_id: row.int("host_id")?,
        op_hash: row.optional("op_hash", Row::string)?,
        name: row.string("name")?,
        changed: row.flag("changed")?,
        success: row.flag("success")?,
        duration: row.float("duration")?,
        timestamp: row.float("timestamp")?,
        logs: row.json("logs_json")?,
        diff: row.optional("diff", Row::string)?,
        arguments: row.json("arguments_json")?,
        retry_stats: row.json("retry_stats_json")?,
        command_n_facts: row.json("command_n_facts_in_order_json")?,
    })
}

fn parse_snapshot(row: &Row) -> Result<SnapshotRecord> {
    Ok(SnapshotRecord {
        id: row.int("id")?,
        run_id: row.string("run_id")?,
        host_id: row.int("host_id")?,
        stage: row.optional("stage", Row::string)?,
        timestamp: row.float("timestamp")?,
        metrics: row.json("metrics_json")?,
        host_name: row.string("host_name")?,
    })
}

fn parse_fact(row: &Row) -> Result<FactLog> {
    Ok(FactLog {
        id: row.int("id")?,
        run_id: row.string("run_id")?,
        timestamp: row.float("timestamp")?,
        log_level: row.optional("log_level", Row::string)?,
        context: row.optional("context", Row::string)?,
        command: row.optional("command", Row::string)?,
    })
}

/// One dict of the row shape, with its path for error messages.
struct Row<'a> {
    at: String,
    fields: &'a Map<String, Value>,
}

impl<'a> Row<'a> {
    fn new(at: &str, value: &'a Value) -> Result<Self> {
        let fields = value
            .as_object()
            .ok_or_else(|| LimaniError::invalid(at, format!("expected a dict, got {value}")))?;
        Ok(Row {
            at: at.to_owned(),
            fields,
        })
    }

    fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    fn wrong(&self, key: &str, expected: &str) -> LimaniError {
        let got = self.fields.get(key).map_or("nothing".to_owned(), short);
        LimaniError::invalid(self.path(key), format!("expected {expected}, got {got}"))
    }

    fn get(&self, key: &str) -> Result<&'a Value> {
        self.fields
            .get(key)
            .ok_or_else(|| self.wrong(key, "a value"))
    }

    fn child(&self, key: &str) -> Result<Row<'a>> {
        Row::new(&self.path(key), self.get(key)?)
    }

    fn list<T>(&self, key: &str, parse: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
        let items = self
            .get(key)?
            .as_array()
            .ok_or_else(|| self.wrong(key, "a list"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| parse(&Row::new(&format!("{}[{i}]", self.path(key)), item)?))
            .collect()
    }

    fn optional<T>(&self, key: &str, read: fn(&Self, &str) -> Result<T>) -> Result<Option<T>> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => read(self, key).map(Some),
        }
    }

    fn string(&self, key: &str) -> Result<String> {
        let value = self
            .get(key)?
            .as_str()
            .ok_or_else(|| self.wrong(key, "a string"))?;
        Ok(value.to_owned())
    }

    fn int(&self, key: &str) -> Result<i64> {
        self.get(key)?
            .as_i64()
            .ok_or_else(|| self.wrong(key, "an integer"))
    }

    fn float(&self, key: &str) -> Result<f64> {
        self.get(key)?
            .as_f64()
            .ok_or_else(|| self.wrong(key, "a number"))
    }

    /// A flag is 0 or 1 (as SQLite stores it) or a JSON boolean; `"True"` is not a flag.
    fn flag(&self, key: &str) -> Result<bool> {
        match self.get(key)? {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
            _ => Err(self.wrong(key, "0, 1 or a boolean")),
        }
    }

    /// A `*_json` column: JSON text, or NULL.
    fn json(&self, key: &str) -> Result<Option<Json>> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Json::new(text.as_str()).map(Some).map_err(|e| {
                LimaniError::invalid(
                    self.path(key),
                    format!("{e}: {}", short(&Value::from(text.as_str()))),
                )
            }),
            Some(_) => Err(self.wrong(key, "JSON text")),
        }
    }
}

/// A value shown in an error message, cut to a readable length (the message says it was cut).
fn short(value: &Value) -> String {
    crate::toolkit::shorten(&value.to_string(), 120, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limani, MemoryLimani, NewOperation, NewRun};

    fn stored_run() -> RunData {
        let model = MemoryLimani::new();
        let run = NewRun {
            run_id: "r".into(),
            run_id_human: "h".into(),
            start_time: 1769462953.6252427,
            hailer_info: json!({"user": "dex"}).into(),
            required_secrets: Some(["b".to_owned(), "a".to_owned()].into()),
        };
        model.create_run(&run).unwrap();
        let host = model.get_or_create_host("r", "@local").unwrap();
        let operation = NewOperation {
            run_id: "r".into(),
            host_id: host,
            op_hash: "=1".into(),
            name: "op".into(),
            changed: true,
            success: false,
            duration: 0.1,
            timestamp: 2.0,
            logs: json!({"stdout": "", "stderr": ""}).into(),
            diff: String::new(),
            arguments: Json::new(r#"{"big": 18446744073709551617}"#).unwrap(),
            retry_stats: Json::empty_object(),
            command_n_facts: Json::empty_list(),
        };
        model.insert_operation(&operation).unwrap();
        model.get_run_data("r").unwrap().unwrap()
    }

    #[test]
    fn run_data_survives_the_row_shape() {
        let data = stored_run();
        let rows = to_rows(&data);
        assert_eq!(rows["hosts"][0]["operations"][0]["changed"], json!(1));
        assert_eq!(rows["run"]["required_secrets"], json!("[\"a\",\"b\"]"));
        assert_eq!(from_rows(&rows).unwrap(), data);
    }

    #[test]
    fn a_flag_stored_as_a_string_is_named_by_its_path() {
        let mut rows = to_rows(&stored_run());
        rows["hosts"][0]["operations"][0]["success"] = json!("False");
        let err = from_rows(&rows).unwrap_err().to_string();
        assert!(
            err.contains("run_data.hosts[0].operations[0].success"),
            "{err}"
        );
        assert!(err.contains("0, 1 or a boolean"), "{err}");
    }

    #[test]
    fn python_booleans_are_flags_too() {
        let mut rows = to_rows(&stored_run());
        rows["hosts"][0]["operations"][0]["changed"] = json!(false);
        assert!(!from_rows(&rows).unwrap().hosts[0].operations[0].changed);
    }
}
