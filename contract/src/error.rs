//! The errors a harbor returns, typed so that authors and checks can match them.
//! Every message says what went wrong and what to do about it.

use std::time::Duration;

/// What kind of failure a [`LimaniError`] is, without its details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    UnknownRun,
    UnknownHost,
    DuplicateRun,
    InvalidStatus,
    InvalidValue,
    Storage,
    Timeout,
}

impl ErrorKind {
    /// The snake_case name used in reports and on the process bridge.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::UnknownRun => "unknown_run",
            ErrorKind::UnknownHost => "unknown_host",
            ErrorKind::DuplicateRun => "duplicate_run",
            ErrorKind::InvalidStatus => "invalid_status",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::Storage => "storage",
            ErrorKind::Timeout => "timeout",
        }
    }
}

/// A failed harbor call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimaniError {
    /// A write or host lookup named a run that `create_run` never created.
    #[error("unknown run {run_id:?}: create it with create_run before writing to it")]
    UnknownRun { run_id: String },
    /// An operation or snapshot named a host id that is not a host of its run.
    #[error(
        "unknown host id {host_id} in run {run_id:?}: use the id get_or_create_host returned for this run"
    )]
    UnknownHost { run_id: String, host_id: i64 },
    /// `create_run` was given a run id that already exists.
    #[error("duplicate run {run_id:?}: run ids are unique; the existing run was left as it was")]
    DuplicateRun { run_id: String },
    /// A status other than `in_progress`, `success` or `failure`.
    #[error("invalid status {status:?}: use one of in_progress, success, failure")]
    InvalidStatus { status: String },
    /// A value the Logbook never sends and the store cannot keep (a NaN time, say).
    #[error("invalid value for {field}: {reason}")]
    InvalidValue { field: String, reason: String },
    /// The store itself failed; `source` is its own error.
    #[error("storage failure in {call}: {message}")]
    Storage {
        call: String,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The call did not return in time.
    #[error("timed out after {} s in {call}: the harbor hangs or deadlocks", after.as_secs_f64())]
    Timeout { call: String, after: Duration },
}

impl LimaniError {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LimaniError::UnknownRun { .. } => ErrorKind::UnknownRun,
            LimaniError::UnknownHost { .. } => ErrorKind::UnknownHost,
            LimaniError::DuplicateRun { .. } => ErrorKind::DuplicateRun,
            LimaniError::InvalidStatus { .. } => ErrorKind::InvalidStatus,
            LimaniError::InvalidValue { .. } => ErrorKind::InvalidValue,
            LimaniError::Storage { .. } => ErrorKind::Storage,
            LimaniError::Timeout { .. } => ErrorKind::Timeout,
        }
    }

    /// A storage failure in `call` caused by `source`.
    pub fn storage(
        call: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        LimaniError::Storage {
            call: call.into(),
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// A storage failure in `call` known only by its message.
    pub fn storage_message(call: impl Into<String>, message: impl Into<String>) -> Self {
        LimaniError::Storage {
            call: call.into(),
            message: message.into(),
            source: None,
        }
    }

    /// An invalid value for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        LimaniError::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The result of a harbor call.
pub type Result<T, E = LimaniError> = std::result::Result<T, E>;
