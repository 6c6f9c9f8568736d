//! The messages of the bridge protocol (`docs/bridge-protocol.md`), written once: the kit's
//! client (`ProcessLimani`) and its serving side (`limani serve`) both send and read these.

use conformance::{Json, NewFactLog, NewOperation, NewRun, NewSnapshot, Revision};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol version this page describes.
pub const VERSION: u64 = 1;

/// The harbor's first line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hello {
    pub limani_bridge: u64,
    pub harbor: String,
    pub create_run: Revision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Whether it takes each lane as a socket of its own (a harbor the fork server forked).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lane_sockets: bool,
    /// Whether each lane socket may come with a memory to post calls in (`process::memory`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lane_memory: bool,
    /// Whether it reads binary requests in that memory (`crate::binary_request`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lane_marshal: bool,
    /// Whether `limani serve` took the shared memory its client offered (`crate::shared`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared_memory: bool,
}

/// A call of the kit: `{"id", "lane", "method", "params"}` (read with [`read_request`]).
#[derive(Clone, Debug, Serialize)]
pub struct Request {
    pub id: u64,
    #[serde(default)]
    pub lane: u64,
    #[serde(flatten)]
    pub call: Call,
}

/// What is called, with its parameters.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum Call {
    Connect {},
    Disconnect {},
    InitDb {},
    CreateRun {
        #[serde(with = "RunDef")]
        run: NewRun,
    },
    StartUpdateRun {
        run_id: String,
        status: String,
    },
    EndRunUpdate {
        run_id: String,
        #[serde(with = "float")]
        end_time: f64,
        status: String,
        summary: Json,
    },
    GetOrCreateHost {
        run_id: String,
        host_name: String,
    },
    InsertOperation {
        #[serde(with = "OperationDef")]
        operation: NewOperation,
    },
    InsertSnapshot {
        #[serde(with = "SnapshotDef")]
        snapshot: NewSnapshot,
    },
    InsertFactLog {
        #[serde(with = "FactLogDef")]
        fact_log: NewFactLog,
    },
    GetFactsForTimespan {
        run_id: String,
        #[serde(with = "float")]
        start_time: f64,
        #[serde(with = "float")]
        end_time: f64,
    },
    GetRunSummaryStats {
        run_id: String,
    },
    GetRunData {
        run_id: String,
    },
    /// The Logbook's `connect().execute("SELECT status FROM runs WHERE id = ?", ...)`.
    LogbookStatus {
        run_id: String,
    },
    /// The lane's last result again, as a JSON reply line: what the kit asks for a binary
    /// reply it cannot read (`docs/bridge-protocol.md`, "Binary replies").
    ReplyAgain {},
    Shutdown {},
}

impl Call {
    /// The method's name on the wire.
    pub fn method(&self) -> &'static str {
        match self {
            Call::Connect {} => "connect",
            Call::Disconnect {} => "disconnect",
            Call::InitDb {} => "init_db",
            Call::CreateRun { .. } => "create_run",
            Call::StartUpdateRun { .. } => "start_update_run",
            Call::EndRunUpdate { .. } => "end_run_update",
            Call::GetOrCreateHost { .. } => "get_or_create_host",
            Call::InsertOperation { .. } => "insert_operation",
            Call::InsertSnapshot { .. } => "insert_snapshot",
            Call::InsertFactLog { .. } => "insert_fact_log",
            Call::GetFactsForTimespan { .. } => "get_facts_for_timespan",
            Call::GetRunSummaryStats { .. } => "get_run_summary_stats",
            Call::GetRunData { .. } => "get_run_data",
            Call::LogbookStatus { .. } => "logbook_status",
            Call::ReplyAgain {} => "reply_again",
            Call::Shutdown {} => "shutdown",
        }
    }

    /// The run the call is about, if any (for the errors it gets).
    pub fn run_id(&self) -> &str {
        match self {
            Call::CreateRun { run } => &run.run_id,
            Call::InsertOperation { operation } => &operation.run_id,
            Call::InsertSnapshot { snapshot } => &snapshot.run_id,
            Call::InsertFactLog { fact_log } => &fact_log.run_id,
            Call::StartUpdateRun { run_id, .. }
            | Call::EndRunUpdate { run_id, .. }
            | Call::GetOrCreateHost { run_id, .. }
            | Call::GetFactsForTimespan { run_id, .. }
            | Call::GetRunSummaryStats { run_id }
            | Call::GetRunData { run_id }
            | Call::LogbookStatus { run_id } => run_id,
            _ => "",
        }
    }
}

/// `get_run_summary_stats`'s result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub total_operations: i64,
    pub changed_operations: i64,
    pub successful_operations: i64,
    pub failed_operations: i64,
    /// A float: `0.0` for a run with no operations, never `0` or `null` (the export writes it).
    #[serde(with = "float")]
    pub total_duration: f64,
}

/// Reads a request; an error names the path of the value it is about (`params.fact_log.timestamp`)
/// and comes with the request's id when the line has one.
pub fn read_request(line: &str) -> Result<Request, (Option<u64>, String)> {
    // A well-formed line is read in one pass; any other, again as below, for the error's words.
    if let Some(request) = read_request_at_once(line) {
        return Ok(request);
    }
    #[derive(Deserialize)]
    struct Envelope {
        id: u64,
        #[serde(default)]
        lane: u64,
        method: String,
        #[serde(default)]
        params: Value,
    }
    let envelope: Envelope = read(line).map_err(|e| (None, e))?;
    let call = serde_json::json!({"method": envelope.method, "params": envelope.params});
    let call: Call = read_value(call).map_err(|e| (Some(envelope.id), e))?;
    Ok(Request {
        id: envelope.id,
        lane: envelope.lane,
        call,
    })
}

/// A request read straight from its line (its params not built as a tree first), or `None`
/// for a line [`read_request`] must read the slow way (to say what is wrong with it).
fn read_request_at_once(line: &str) -> Option<Request> {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        id: u64,
        #[serde(default)]
        lane: u64,
        #[serde(borrow)]
        method: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        params: Option<&'a serde_json::value::RawValue>,
    }
    let envelope: Envelope = serde_json::from_str(line).ok()?;
    let params = envelope.params.map_or("null", |p| p.get());
    let method = serde_json::to_string(&envelope.method).ok()?;
    let call = format!(r#"{{"method":{method},"params":{params}}}"#);
    Some(Request {
        id: envelope.id,
        lane: envelope.lane,
        call: serde_json::from_str(&call).ok()?,
    })
}

/// Reads the harbor's reply line: a write's or a host id's at once ([`Reply::quick`]), any
/// other by the parser.
pub fn read_reply(line: &str) -> Result<Reply, String> {
    Reply::quick(line).map_or_else(|| read(line), Ok)
}

/// Reads one line as `T`; an error names the path of the value it is about.
pub fn read<T: for<'de> Deserialize<'de>>(line: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    serde_path_to_error::deserialize(&mut de).map_err(|e| match e.path().to_string().as_str() {
        "." | "" => e.inner().to_string(),
        path => format!("{path}: {}", e.inner()),
    })
}

/// As [`read`], from a value already parsed (a reply's result).
pub fn read_value<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| match e.path().to_string().as_str() {
        "." | "" => e.inner().to_string(),
        path => format!("{path}: {}", e.inner()),
    })
}

pub mod float;
mod reply;

pub use reply::{ErrorObject, Outcome, Reply};

#[derive(Serialize, Deserialize)]
#[serde(remote = "NewRun")]
struct RunDef {
    run_id: String,
    run_id_human: String,
    #[serde(with = "float")]
    start_time: f64,
    hailer_info: Json,
    required_secrets: Option<std::collections::BTreeSet<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "NewOperation")]
struct OperationDef {
    run_id: String,
    host_id: i64,
    op_hash: String,
    name: String,
    changed: bool,
    success: bool,
    #[serde(with = "float")]
    duration: f64,
    #[serde(with = "float")]
    timestamp: f64,
    logs: Json,
    diff: String,
    arguments: Json,
    retry_stats: Json,
    command_n_facts: Json,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "NewSnapshot")]
struct SnapshotDef {
    run_id: String,
    host_id: i64,
    stage: String,
    #[serde(with = "float")]
    timestamp: f64,
    metrics: Json,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "NewFactLog")]
struct FactLogDef {
    run_id: String,
    #[serde(with = "float")]
    timestamp: f64,
    log_level: String,
    context: String,
    command: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_reads_back_as_it_was_sent() {
        let op = conformance::toolkit::sample::operation("r", 3, "op", f64::NAN);
        let request = Request {
            id: 7,
            lane: 2,
            call: Call::InsertOperation { operation: op },
        };
        let line = serde_json::to_string(&request).unwrap();
        assert!(line.starts_with(r#"{"id":7,"lane":2,"method":"insert_operation","params":{"operation":{"run_id":"r","#), "{line}");
        assert!(line.contains(r#""timestamp":{"$float":"nan"}"#), "{line}");
        let back = read_request(&line).unwrap();
        let Call::InsertOperation { operation } = back.call else {
            panic!("{line}")
        };
        assert!(
            operation.timestamp.is_nan()
                && operation.logs.as_str() == r#"{"stderr":"","stdout":""}"#
        );
    }

    #[test]
    fn a_request_reads_in_any_key_order() {
        let back = read_request(r#"{"params":{"run_id":"r"},"method":"get_run_data","id":4}"#);
        assert!(
            matches!(back, Ok(Request { id: 4, lane: 0, call: Call::GetRunData { run_id } }) if run_id == "r")
        );
        let (id, _) = read_request(r#"{"id":5,"lane":1,"method":"connect"}"#).unwrap_err();
        assert_eq!(
            id,
            Some(5),
            "a call without params is refused, as before the quick read"
        );
        let back = read_request(r#"{"lane":1,"method":"connect","params":{},"id":5}"#);
        assert!(matches!(
            back,
            Ok(Request {
                id: 5,
                lane: 1,
                call: Call::Connect {}
            })
        ));
        let (id, error) =
            read_request(r#"{"id":6,"method":"no_such_call","params":{}}"#).unwrap_err();
        assert_eq!(id, Some(6));
        assert!(error.contains("no_such_call"), "{error}");
    }

    #[test]
    fn a_wrong_value_is_named_by_its_path() {
        let line = r#"{"id":1,"method":"insert_fact_log","params":{"fact_log":{"run_id":"r","timestamp":1,"log_level":"D","context":"c","command":"x"}}}"#;
        let (id, error) = read_request(line).unwrap_err();
        assert_eq!(id, Some(1));
        assert!(
            error.starts_with("params.fact_log.timestamp: ") && error.contains("not 0"),
            "{error}"
        );
        let summary = serde_json::json!({"total_operations": 0, "changed_operations": 0,
            "successful_operations": 0, "failed_operations": 0, "total_duration": 0});
        let error = read_value::<Summary>(summary).unwrap_err();
        assert!(error.starts_with("total_duration: "), "{error}");
    }
}
