//! The PostgreSQL schema and statements. Times are `double precision` and JSON is `text`
//! by default; `jsonb` and `timestamptz` exist only so the kit can prove it catches them.

use conformance::{LimaniError, Result};

/// How JSON payloads are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonColumn {
    /// JSON text, kept exactly (the default).
    Text,
    /// `jsonb`: reorders keys and rejects `\u0000`. For the kit's own proof only.
    Jsonb,
}

/// How times are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeColumn {
    /// `double precision`, bit for bit (the default).
    Float8,
    /// `timestamptz`: rounds to microseconds. For the kit's own proof only.
    Timestamptz,
}

/// The statements of one column-type choice.
#[derive(Clone, Debug)]
pub struct Sql {
    pub schema: String,
    pub create_run: String,
    pub end_run: String,
    pub insert_operation: String,
    pub insert_snapshot: String,
    pub insert_fact: String,
    pub timespan: String,
    pub run: String,
    pub operations: String,
    pub snapshots: String,
    pub facts: String,
}

impl Sql {
    /// Whether a run exists.
    pub const RUN_EXISTS: &str = "SELECT 1 FROM runs WHERE id = $1";
    /// Sets the status of a run.
    pub const START_UPDATE: &str = "UPDATE runs SET status = $1 WHERE id = $2";
    /// The id of the host named `$2` of the run `$1`.
    pub const HOST_ID: &str = "SELECT id FROM hosts WHERE run_id = $1 AND name = $2";
    /// Creates the host named `$2` of the run `$1`, unless a concurrent call did.
    pub const INSERT_HOST: &str = "INSERT INTO hosts (run_id, name) VALUES ($1, $2) ON CONFLICT (run_id, name) DO NOTHING RETURNING id";
    /// What the summary of a run counts.
    pub const SUMMARY: &str =
        "SELECT changed, success, duration FROM operations WHERE run_id = $1 ORDER BY id";
    /// The hosts of a run.
    pub const HOSTS: &str =
        "SELECT id, run_id, name, summary_json::text FROM hosts WHERE run_id = $1 ORDER BY id";

    /// The statement that makes the quoted `schema` a session's own.
    pub fn search_path(schema: &str) -> String {
        format!("SET search_path TO {schema}")
    }

    /// One batch and transaction that creates the quoted `schema` and its tables under an advisory lock.
    pub fn init(&self, schema: &str) -> String {
        format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7340201); CREATE SCHEMA IF NOT EXISTS {schema}; SET LOCAL search_path TO {schema}; {} COMMIT;",
            self.schema
        )
    }

    pub fn new(json: JsonColumn, time: TimeColumn) -> Sql {
        let (j, t) = (
            if json == JsonColumn::Jsonb {
                "jsonb"
            } else {
                "text"
            },
            if time == TimeColumn::Timestamptz {
                "timestamptz"
            } else {
                "double precision"
            },
        );
        let jin = |n: u8| {
            if json == JsonColumn::Jsonb {
                format!("${n}::text::jsonb")
            } else {
                format!("${n}")
            }
        };
        let tin = |n: u8| {
            if time == TimeColumn::Timestamptz {
                format!("to_timestamp(${n})")
            } else {
                format!("${n}")
            }
        };
        let jout = |c: &str| {
            if json == JsonColumn::Jsonb {
                format!("{c}::text")
            } else {
                c.to_owned()
            }
        };
        let tout = |c: &str| {
            if time == TimeColumn::Timestamptz {
                format!("extract(epoch from {c})::float8")
            } else {
                c.to_owned()
            }
        };
        let fact_columns = format!(
            "id, run_id, {}, log_level, context, command",
            tout("timestamp")
        );
        Sql {
            schema: format!(
                "CREATE TABLE IF NOT EXISTS runs (id text PRIMARY KEY, run_id_human text NOT NULL, start_time {t} NOT NULL,
                   end_time {t}, status text NOT NULL CHECK (status IN ('in_progress', 'success', 'failure')),
                   summary_json {j}, hailer_json {j}, required_secrets text);
                 CREATE TABLE IF NOT EXISTS hosts (id bigserial PRIMARY KEY, run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                   name text NOT NULL, summary_json {j}, UNIQUE (run_id, name));
                 CREATE TABLE IF NOT EXISTS operations (id bigserial PRIMARY KEY, run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                   host_id bigint NOT NULL REFERENCES hosts (id) ON DELETE CASCADE, op_hash text, name text NOT NULL,
                   changed boolean NOT NULL, success boolean NOT NULL, duration double precision NOT NULL, timestamp {t} NOT NULL,
                   logs_json {j}, diff text, arguments_json {j}, retry_stats_json {j}, command_n_facts_in_order_json {j});
                 CREATE TABLE IF NOT EXISTS resource_snapshots (id bigserial PRIMARY KEY, run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                   host_id bigint NOT NULL REFERENCES hosts (id) ON DELETE CASCADE, stage text, timestamp {t} NOT NULL, metrics_json {j});
                 CREATE TABLE IF NOT EXISTS command_n_facts_in_order (id bigserial PRIMARY KEY,
                   run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE, timestamp {t} NOT NULL, log_level text, context text, command text);
                 CREATE INDEX IF NOT EXISTS idx_operations_run_host ON operations (run_id, host_id);
                 CREATE INDEX IF NOT EXISTS idx_snapshots_run_host ON resource_snapshots (run_id, host_id);
                 CREATE INDEX IF NOT EXISTS idx_facts_run_timestamp ON command_n_facts_in_order (run_id, timestamp, id);"
            ),
            create_run: format!(
                "INSERT INTO runs (id, run_id_human, start_time, status, hailer_json, required_secrets)
                 VALUES ($1, $2, {}, 'in_progress', {}, $5) ON CONFLICT (id) DO NOTHING",
                tin(3),
                jin(4)
            ),
            end_run: format!("UPDATE runs SET end_time = {}, status = $2, summary_json = {} WHERE id = $4", tin(1), jin(3)),
            insert_operation: format!(
                "INSERT INTO operations (run_id, host_id, op_hash, name, changed, success, duration, timestamp, logs_json, diff,
                   arguments_json, retry_stats_json, command_n_facts_in_order_json)
                 SELECT $1, $2, $3, $4, $5, $6, $7, {}, {}, $10, {}, {}, {}
                 WHERE EXISTS (SELECT 1 FROM hosts WHERE id = $2 AND run_id = $1)",
                tin(8),
                jin(9),
                jin(11),
                jin(12),
                jin(13)
            ),
            insert_snapshot: format!(
                "INSERT INTO resource_snapshots (run_id, host_id, stage, timestamp, metrics_json)
                 SELECT $1, $2, $3, {}, {} WHERE EXISTS (SELECT 1 FROM hosts WHERE id = $2 AND run_id = $1)",
                tin(4),
                jin(5)
            ),
            insert_fact: format!(
                "INSERT INTO command_n_facts_in_order (run_id, timestamp, log_level, context, command) VALUES ($1, {}, $3, $4, $5)",
                tin(2)
            ),
            timespan: format!(
                "SELECT {fact_columns} FROM command_n_facts_in_order
                 WHERE run_id = $1 AND timestamp >= {} AND timestamp < {} ORDER BY timestamp, id",
                tin(2),
                tin(3)
            ),
            run: format!(
                "SELECT id, run_id_human, {}, {}, status, {}, {}, required_secrets FROM runs WHERE id = $1",
                tout("start_time"),
                tout("end_time"),
                jout("summary_json"),
                jout("hailer_json")
            ),
            operations: format!(
                "SELECT id, run_id, host_id, op_hash, name, changed, success, duration, {}, {}, diff, {}, {}, {}
                 FROM operations WHERE run_id = $1 ORDER BY timestamp, id",
                tout("timestamp"),
                jout("logs_json"),
                jout("arguments_json"),
                jout("retry_stats_json"),
                jout("command_n_facts_in_order_json")
            ),
            snapshots: format!(
                "SELECT s.id, s.run_id, s.host_id, s.stage, {}, {}, h.name FROM resource_snapshots s JOIN hosts h ON s.host_id = h.id
                 WHERE s.run_id = $1 ORDER BY s.timestamp, s.id",
                tout("s.timestamp"),
                jout("s.metrics_json")
            ),
            facts: format!("SELECT {fact_columns} FROM command_n_facts_in_order WHERE run_id = $1 ORDER BY timestamp, id"),
        }
    }
}

/// How many idle connections a harbor keeps.
pub(super) const IDLE: usize = 8;

/// A schema name as a quoted identifier: kept exactly (case, reserved words, leading digits),
/// never cut. PostgreSQL keeps 63 bytes of a name and cannot hold a NUL: longer or NUL names
/// are refused, as two long names would otherwise share one schema.
pub(super) fn quoted(schema: &str) -> Result<String> {
    match schema {
        "" => Err(LimaniError::invalid("schema", "an empty name")),
        s if s.len() > 63 => Err(LimaniError::invalid(
            "schema",
            format!("{s:?} is {} bytes; PostgreSQL keeps 63", s.len()),
        )),
        s if s.contains('\0') => Err(LimaniError::invalid("schema", format!("{s:?} holds a NUL"))),
        s => Ok(format!("\"{}\"", s.replace('"', "\"\""))),
    }
}
