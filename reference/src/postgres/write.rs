//! The writes of the PostgreSQL harbors, shared by the sync and the async one: each call's
//! checks, its statement with its parameters, and what its outcome means. Only running the
//! statement differs between the two.

use conformance::model::rules;
use conformance::records::secrets_to_json;
use conformance::{
    HostId, Json, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result, RunStatus,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row};

use super::sql::Sql;
use super::text::store;

/// A parameter of a statement.
type Param<'a> = Box<dyn ToSql + Sync + Send + 'a>;

fn param<'a>(value: impl ToSql + Sync + Send + 'a) -> Param<'a> {
    Box::new(value)
}

/// A statement of a harbor call, with its parameters, for the run `run_id`.
pub struct Write<'a> {
    /// The harbor call that writes.
    pub call: &'static str,
    /// The run written to.
    pub run_id: &'a str,
    /// The statement.
    pub sql: &'a str,
    params: Vec<Param<'a>>,
}

impl Write<'_> {
    /// The parameters, as `execute` and `query` take them.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| &**p as &(dyn ToSql + Sync))
            .collect()
    }

    /// The harbor error for a failed statement of this write.
    pub fn failed(&self, e: Error) -> LimaniError {
        pg_error(self.call, self.run_id, e)
    }

    /// The harbor error for a failed lookup made for this write.
    pub fn lookup_failed(&self, e: Error) -> LimaniError {
        LimaniError::storage(self.call, e)
    }
}

/// Maps a failed statement: a broken foreign key means an unknown run; the rest is storage.
fn pg_error(call: &str, run_id: &str, e: Error) -> LimaniError {
    match e.code() {
        Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => LimaniError::UnknownRun {
            run_id: run_id.to_owned(),
        },
        _ => LimaniError::storage(call, e),
    }
}

/// Inserts a run, unless one with its id exists.
pub fn create_run<'a>(sql: &'a Sql, run: &'a NewRun) -> Result<Write<'a>> {
    rules::finite("start_time", run.start_time)?;
    let secrets = run
        .required_secrets
        .as_ref()
        .map(|s| secrets_to_json(s).into_string());
    Ok(Write {
        call: "create_run",
        run_id: &run.run_id,
        sql: &sql.create_run,
        params: vec![
            param(store(&run.run_id)),
            param(store(&run.run_id_human)),
            param(run.start_time),
            param(run.hailer_info.to_string()),
            param(secrets),
        ],
    })
}

/// The id of the run `create_run` inserted, or why none was.
pub fn created(run: &NewRun, inserted: u64) -> Result<String> {
    match inserted {
        1 => Ok(run.run_id.clone()),
        _ => Err(LimaniError::DuplicateRun {
            run_id: run.run_id.clone(),
        }),
    }
}

/// Sets the status of a run.
pub fn start_update_run<'a>(run_id: &'a str, status: &str) -> Result<Write<'a>> {
    let status = RunStatus::parse(status)?;
    Ok(Write {
        call: "start_update_run",
        run_id,
        sql: Sql::START_UPDATE,
        params: vec![param(status.as_str()), param(store(run_id))],
    })
}

/// Sets the end time, final status and summary of a run.
pub fn end_run_update<'a>(
    sql: &'a Sql,
    run_id: &'a str,
    end_time: f64,
    status: &str,
    summary: &Json,
) -> Result<Write<'a>> {
    let status = RunStatus::parse(status)?;
    rules::finite("end_time", end_time)?;
    Ok(Write {
        call: "end_run_update",
        run_id,
        sql: &sql.end_run,
        params: vec![
            param(end_time),
            param(status.as_str()),
            param(summary.to_string()),
            param(store(run_id)),
        ],
    })
}

/// Creates a host of a run; its parameters serve [`Sql::HOST_ID`] too.
pub fn host<'a>(run_id: &'a str, host_name: &'a str) -> Write<'a> {
    Write {
        call: "get_or_create_host",
        run_id,
        sql: Sql::INSERT_HOST,
        params: vec![param(store(run_id)), param(store(host_name))],
    }
}

/// The host id a row of [`Sql::HOST_ID`] or [`Sql::INSERT_HOST`] holds.
pub fn host_id(row: Option<Row>) -> Option<HostId> {
    row.map(|r| r.get(0))
}

/// Why a host inserted by a concurrent call could not be read back.
pub fn vanished_host() -> LimaniError {
    LimaniError::storage_message(
        "get_or_create_host",
        "the host row vanished after a conflicting insert",
    )
}

/// Inserts an operation of a host of a run.
pub fn insert_operation<'a>(sql: &'a Sql, op: &'a NewOperation) -> Result<Write<'a>> {
    rules::finite("duration", op.duration)?;
    rules::finite("timestamp", op.timestamp)?;
    Ok(Write {
        call: "insert_operation",
        run_id: &op.run_id,
        sql: &sql.insert_operation,
        params: vec![
            param(store(&op.run_id)),
            param(op.host_id),
            param(store(&op.op_hash)),
            param(store(&op.name)),
            param(op.changed),
            param(op.success),
            param(op.duration),
            param(op.timestamp),
            param(op.logs.as_str()),
            param(store(&op.diff)),
            param(op.arguments.as_str()),
            param(op.retry_stats.as_str()),
            param(op.command_n_facts.as_str()),
        ],
    })
}

/// Inserts a resource snapshot of a host of a run.
pub fn insert_snapshot<'a>(sql: &'a Sql, s: &'a NewSnapshot) -> Result<Write<'a>> {
    rules::finite("timestamp", s.timestamp)?;
    Ok(Write {
        call: "insert_snapshot",
        run_id: &s.run_id,
        sql: &sql.insert_snapshot,
        params: vec![
            param(store(&s.run_id)),
            param(s.host_id),
            param(store(&s.stage)),
            param(s.timestamp),
            param(s.metrics.to_string()),
        ],
    })
}

/// Inserts a fact log of a run.
pub fn insert_fact_log<'a>(sql: &'a Sql, f: &'a NewFactLog) -> Result<Write<'a>> {
    rules::finite("timestamp", f.timestamp)?;
    Ok(Write {
        call: "insert_fact_log",
        run_id: &f.run_id,
        sql: &sql.insert_fact,
        params: vec![
            param(store(&f.run_id)),
            param(f.timestamp),
            param(store(&f.log_level)),
            param(store(&f.context)),
            param(store(&f.command)),
        ],
    })
}

/// Why a row for the host `host_id` of a run was not written, from what [`Sql::RUN_EXISTS`]
/// found: the run is unknown, or the host is not its own.
pub fn missing_host(
    write: &Write,
    host_id: HostId,
    run: std::result::Result<Option<Row>, Error>,
) -> LimaniError {
    match run {
        Ok(Some(_)) => LimaniError::UnknownHost {
            run_id: write.run_id.to_owned(),
            host_id,
        },
        Ok(None) => LimaniError::UnknownRun {
            run_id: write.run_id.to_owned(),
        },
        Err(e) => write.lookup_failed(e),
    }
}
