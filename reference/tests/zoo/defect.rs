//! The defects of the zoo, each with the check that must catch it: one table.

macro_rules! defects {
    ($( #[doc = $what:literal] $name:ident => $check:literal, )*) => {
        /// One realistic defect of a harbor.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Defect { $( #[doc = $what] $name, )* }

        impl Defect {
            /// The defects only a generated sequence reveals: every deterministic check passes them.
            pub const SEQUENCE_ONLY: &[Defect] = &[
                Defect::HostAfterEndGetsFirstId,
                Defect::TimespanDropsThirdOfATimestamp,
                Defect::SummaryFrozenAtSecondEnd,
                Defect::EndKeepsFailure,
                Defect::OperationsUpsertedByName,
            ];

            /// Every defect of the zoo.
            pub const ALL: &[Defect] = &[$(Defect::$name),*];

            /// The check that must catch this defect.
            pub fn caught_by(self) -> &'static str {
                match self { $(Defect::$name => $check,)* }
            }
        }
    };
}

defects! {
    /// init_db drops and recreates the tables.
    InitDbWipes => "lifecycle::init_db_keeps_data",
    /// The hailer is not stored.
    HailerDropped => "lifecycle::run_reads_back",
    /// create_run returns the human id.
    CreateRunReturnsHumanId => "lifecycle::create_run_returns_its_id",
    /// A duplicate run id is accepted silently (`INSERT OR IGNORE`).
    DuplicateRunAccepted => "lifecycle::duplicate_run_rejected",
    /// start_update_run does nothing.
    StatusUpdateIgnored => "lifecycle::status_update",
    /// end_run_update stores null for the summary.
    EndRunDropsSummary => "lifecycle::end_run_update_stored",
    /// Any status string is accepted (and ignored).
    AnyStatusAccepted => "lifecycle::invalid_status_rejected",
    /// create_run drops the required secrets.
    SecretsDropped => "lifecycle::create_run_revision",
    /// Updates of an unknown run create it.
    UpdateCreatesUnknownRun => "lifecycle::unknown_run_updates_create_nothing",
    /// connect() gives the Logbook nothing it can run its status query on.
    ConnectWithoutExecute => "lifecycle::connect_answers_the_logbooks_status_query",
    /// Writes for an unknown run succeed (foreign keys off).
    UnknownRunWritesAccepted => "lifecycle::writes_to_unknown_run_rejected",
    /// Every get_or_create_host inserts a new host.
    NonIdempotentHosts => "hosts::idempotent",
    /// Host names compare case-insensitively (`COLLATE NOCASE`).
    HostNamesCaseInsensitive => "hosts::distinct_per_name",
    /// Hosts keyed by name only: a second run gets the first run's host.
    HostsSharedAcrossRuns => "hosts::distinct_per_run",
    /// Select-then-insert with no lock: racing threads each create the host.
    RacyHosts => "hosts::idempotent_under_threads",
    /// Ch-rima under a race: the loser of the insert gets a UNIQUE error.
    RacyHostsUniqueError => "hosts::idempotent_under_threads",
    /// Run data shows host ids of another numbering than get_or_create_host gave.
    RunDataHostIdsRenumbered => "hosts::ids_in_run_data",
    /// An operation for a host of another run is accepted.
    HostRunNotChecked => "hosts::own_run_only",
    /// `changed` and `success` swapped (columns in the wrong order).
    FlagsSwapped => "records::operation_round_trip",
    /// insert_operation panics.
    Panics => "records::operation_round_trip",
    /// Snapshot metrics are not stored.
    SnapshotMetricsDropped => "records::snapshot_round_trip",
    /// A fact log's context is stored in its log_level too (a column mix-up).
    FactContextAsLevel => "records::fact_log_round_trip",
    /// Run data lists every operation under the first host.
    OperationsUnderFirstHost => "records::grouped_under_host",
    /// Run data lists operations in insertion order.
    InsertionOrderOperations => "records::ordered_by_time_then_insertion",
    /// Run data adds the fact logs of the run created before.
    RunDataMixesRuns => "records::runs_isolated",
    /// Timespan includes its end: `timestamp <= end`.
    ClosedTimespanEnd => "timespan::half_open",
    /// Timespan excludes its start: `timestamp > start`.
    OpenTimespanStart => "timespan::half_open",
    /// An inverted window is swapped instead of giving nothing.
    InvertedWindowSwapped => "timespan::empty_and_inverted",
    /// Timespan reads return the fact logs of every run.
    TimespanAllRuns => "timespan::only_the_run",
    /// Timespan rows come back in insertion order, as Ch-rima's query without ORDER BY.
    InsertionOrderTimespan => "timespan::ordered",
    /// Timespan rows lack their run id.
    TimespanRowsWithoutRunId => "timespan::row_fields",
    /// A NaN bound gives an empty list instead of an error.
    NanBoundsGiveEmpty => "timespan::nan_bounds_rejected",
    /// successful_operations counts the changed ones.
    SummarySuccessfulWrong => "summary::counts",
    /// Summary total duration not rounded.
    SummaryWithoutRounding => "summary::rounded_duration",
    /// Total duration not a number (Python's None) when there are no operations.
    SummaryNanWhenEmpty => "summary::no_operations_gives_zeros",
    /// An unknown run's summary is an error.
    SummaryErrorForUnknownRun => "summary::unknown_run_zeros",
    /// The summary is frozen at end_run_update and ignores later operations.
    SummaryFrozenAtEnd => "summary::counts_every_operation",
    /// get_run_data of an unknown run gives an empty run instead of None.
    RunDataForUnknownRun => "run_data::unknown_run_none",
    /// Hosts without operations are left out of run data.
    HostsWithoutOperationsDropped => "run_data::hosts_without_operations_listed",
    /// Snapshots carry their host's id as host_name.
    SnapshotHostNameIsId => "run_data::snapshots_carry_host_name",
    /// Run data lists fact logs in insertion order.
    InsertionOrderFactLogs => "run_data::fact_logs_ordered",
    /// end_run_update keeps the status the run had.
    EndRunKeepsStatus => "run_data::whole_run",
    /// Non-ASCII characters become '?' (a Latin-1 connection).
    AsciiOnlyStrings => "fidelity::unicode",
    /// Strings cut at the first NUL, as C strings are.
    NulTruncatedStrings => "fidelity::nul_characters",
    /// Single quotes doubled by hand-made escaping.
    QuotesDoubled => "fidelity::sql_injection_strings",
    /// Empty strings read back as null.
    NullForEmptyStrings => "fidelity::empty_strings_kept",
    /// Strings cut to 64 KiB.
    TruncatedStrings => "fidelity::large_stdout",
    /// JSON deeper than 32 levels becomes null.
    JsonDepthLimited => "fidelity::deep_json",
    /// Big integers pass through f64.
    IntegersThroughF64 => "fidelity::integer_limits",
    /// Floats stored as f32.
    LossyFloats => "fidelity::floats_17_digits",
    /// Timestamps rounded to microseconds, as `timestamptz` does.
    TimestampsToMicros => "fidelity::sub_microsecond_timestamps",
    /// JSON keys sorted, as jsonb stores them.
    SortedJsonKeys => "fidelity::json_key_order",
    /// NaN and infinite times are accepted silently.
    NonFiniteAccepted => "fidelity::non_finite_rejected",
    /// Writes made while another call is in flight are dropped.
    LostWritesUnderThreads => "concurrency::logbook_pattern",
    /// Fact logs go to the run created last, whatever run they name.
    WritesToLastCreatedRun => "concurrency::two_runs_at_once",
    /// Fact logs are acknowledged, then written in batches of 10.
    WriteBehindBuffer => "concurrency::acknowledged_writes_visible",
    /// Each reopen starts an empty store.
    DataGoneAfterReopen => "durability::reopen_keeps_everything",
    /// Each opening numbers hosts anew.
    HostIdsRenumberedAfterReopen => "durability::host_ids_stable_after_reopen",
    /// Fact logs are acknowledged but written only on disconnect: a crash loses them.
    AckedBeforeDurable => "durability::acknowledged_writes_survive_a_crash",
    /// A new host created after the run's end update gets the run's first host id (numbering restarts).
    HostAfterEndGetsFirstId => "property::sequences_match_model",
    /// A timespan read keeps at most two fact logs of one timestamp.
    TimespanDropsThirdOfATimestamp => "property::sequences_match_model",
    /// The summary ignores operations written after the run's second end_run_update.
    SummaryFrozenAtSecondEnd => "property::sequences_match_model",
    /// end_run_update keeps a `failure` status whatever it is given (the Logbook's rule, wrongly in the harbor).
    EndKeepsFailure => "property::sequences_match_model",
    /// Operations of one host with one name overwrite each other (`INSERT OR REPLACE`).
    OperationsUpsertedByName => "property::sequences_match_model",
    /// A write made while a timespan read is in flight is dropped.
    WritesLostDuringTimespanReads => "property::concurrent_sessions_explainable",
    /// Every get_or_create_host call hangs.
    Deadlock => "hosts::idempotent",
}
