//! The rules of the contract by name, for reports: which rule a harbor's first disagreement
//! with the model breaks. The rules themselves are written in `rules.rs` (as functions) and in
//! `MemoryLimani` (the methods); this is their catalogue, not a second copy.

use serde::{Deserialize, Serialize};

/// A rule of the contract, named as a report names it (`rule: in_timespan`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `rules::in_timespan`: a timespan is half-open, start inclusive, end exclusive.
    InTimespan,
    /// `rules::time_then_insertion`: reads list records by timestamp, then insertion order.
    TimeThenInsertion,
    /// `rules::hosts_in_model_order`: hosts in creation order (recommended).
    HostsInCreationOrder,
    /// `rules::total_duration`: `total_duration` is `round(sum, 4)`.
    TotalDuration,
    /// `rules::summary_stats`: the summary counts the run's operations.
    SummaryStats,
    /// `rules::finite`, `rules::timespan_bounds`: times are finite; bounds are not NaN.
    Finite,
    /// `rules::same_float`: a float comes back with every bit.
    SameFloat,
    /// `rules::same_json`: JSON and text come back exactly.
    SameJson,
    /// `rules::same_json_and_key_order`: JSON objects keep their key order (recommended).
    KeyOrder,
    /// `rules::unknown_run_update_allowed`: an update of an unknown run creates nothing.
    UnknownRunUpdate,
    /// `get_or_create_host`: one id per (run, name), the same every time, never reused.
    OneHostPerName,
    /// `create_run`: a run id is created once and returned as given.
    RunIdUnique,
    /// `start_update_run`, `end_run_update`: a status is in_progress, success or failure.
    ValidStatus,
    /// Writes name a run `create_run` made and a host of that run.
    KnownRunAndHost,
    /// A read gives the records of its run only.
    RunIsolated,
    /// Every acknowledged write is read back, whole, after threads, reopens and crashes.
    AcknowledgedIsKept,
    /// `connect()` answers the Logbook's status query by column name.
    StatusQuery,
    /// A call succeeds or fails with the error kind the contract gives.
    SameOutcome,
    /// Every call returns: no hang, no deadlock, no panic.
    Answers,
}

impl Rule {
    /// The name a report gives it (`in_timespan`).
    pub fn name(self) -> &'static str {
        match self {
            Rule::InTimespan => "in_timespan",
            Rule::TimeThenInsertion => "time_then_insertion",
            Rule::HostsInCreationOrder => "hosts_in_creation_order",
            Rule::TotalDuration => "total_duration",
            Rule::SummaryStats => "summary_stats",
            Rule::Finite => "finite",
            Rule::SameFloat => "same_float",
            Rule::SameJson => "same_json",
            Rule::KeyOrder => "key_order",
            Rule::UnknownRunUpdate => "unknown_run_update",
            Rule::OneHostPerName => "one_host_per_name",
            Rule::RunIdUnique => "run_id_unique",
            Rule::ValidStatus => "valid_status",
            Rule::KnownRunAndHost => "known_run_and_host",
            Rule::RunIsolated => "run_isolated",
            Rule::AcknowledgedIsKept => "acknowledged_is_kept",
            Rule::StatusQuery => "status_query",
            Rule::SameOutcome => "same_outcome",
            Rule::Answers => "answers",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
