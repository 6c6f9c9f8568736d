//! The defects of the zoo, each with the check that must catch it and a fragment of the failure
//! it must give (so that a check failing for another reason does not count): one table.

macro_rules! defects {
    (
        $( #[doc = $what:literal] $name:ident => $check:literal, $fragment:literal; )*
        correct variants:
        $( #[doc = $cwhat:literal] $correct:ident, )*
    ) => {
        /// One realistic defect of a harbor, or a harbor that differs from the kit's but is correct.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Defect { $( #[doc = $what] $name, )* $( #[doc = $cwhat] $correct, )* }

        impl Defect {
            /// The defects only a generated sequence reveals: every deterministic check passes them.
            /// Three need what the Logbook never sends (writes after the end, a second end, an end
            /// status other than the failure recorded), so only the recommended hostile sessions see them.
            pub const SEQUENCE_ONLY: &[Defect] = &[
                Defect::HostAfterEndGetsFirstId,
                Defect::TimespanDropsThirdOfATimestamp,
                Defect::SummaryFrozenAtSecondEnd,
                Defect::EndKeepsFailure,
                Defect::OperationsUpsertedByName,
            ];

            /// Harbors the real Logbook runs fine: they certify, a recommended check may warn.
            pub const CERTIFY: &[Defect] = &[
                $(Defect::$correct,)*
                Defect::HostsByName,
                Defect::RacyHosts,
                Defect::TiesReversed,
            ];

            /// Every defect of the zoo.
            pub const ALL: &[Defect] = &[$(Defect::$name),*];

            /// The check that must catch this defect, and a fragment of its failure message.
            pub fn caught_by(self) -> (&'static str, &'static str) {
                match self {
                    $(Defect::$name => ($check, $fragment),)*
                    $(Defect::$correct => ("", ""),)*
                }
            }
        }
    };
}

defects! {
    /// Fact commands are kept in a VARCHAR(255): real pyinfra commands are longer.
    FactCommandsCut => "fixtures::recorded_runs_replay", "get_facts_for_timespan";
    /// init_db drops and recreates the tables.
    InitDbWipes => "lifecycle::init_db_keeps_data", "get_run_data(";
    /// The hailer is not stored.
    HailerDropped => "lifecycle::run_reads_back", "\"hailer\": {";
    /// create_run returns the human id.
    CreateRunReturnsHumanId => "lifecycle::create_run_returns_its_id", "create_run returned another id";
    /// A duplicate run id is accepted silently (`INSERT OR IGNORE`).
    DuplicateRunAccepted => "lifecycle::duplicate_run_rejected", "\"Err\": \"duplicate_run\"";
    /// start_update_run does nothing.
    StatusUpdateIgnored => "lifecycle::status_update", "\"status\": \"failure\"";
    /// end_run_update stores null for the summary.
    EndRunDropsSummary => "lifecycle::end_run_update_stored", "\"summary\": {";
    /// Any status string is accepted (and ignored).
    AnyStatusAccepted => "lifecycle::invalid_status_rejected", "\"Err\": \"invalid_status\"";
    /// create_run drops the required secrets.
    SecretsDropped => "lifecycle::create_run_revision", "\"required_secrets\": [";
    /// Updates of an unknown run create it.
    UpdateCreatesUnknownRun => "lifecycle::unknown_run_updates_create_nothing", "-404\") differs from the contract";
    /// connect() gives the Logbook nothing it can run its status query on.
    ConnectWithoutExecute => "lifecycle::connect_answers_the_logbooks_status_query", "the Logbook's end_run would break";
    /// Writes for an unknown run succeed (foreign keys off).
    UnknownRunWritesAccepted => "lifecycle::writes_to_unknown_run_rejected", "\"Err\": \"unknown_run\"";
    /// Every get_or_create_host inserts a new host.
    NonIdempotentHosts => "hosts::idempotent", "inconsistent with the ids it gave before";
    /// Host names compare case-insensitively (`COLLATE NOCASE`).
    HostNamesCaseInsensitive => "hosts::distinct_per_name", "\"WEB-1.example.org\") gave id";
    /// Hosts keyed by name only: a second run gets the first run's host.
    HostsSharedAcrossRuns => "hosts::distinct_per_run", "\"@local\") gave id 1, inconsistent";
    /// Select-then-insert with no lock: racing threads each create the host.
    RacyHosts => "hosts::idempotent_under_threads", "the threads got different ids for one host";
    /// Ch-rima under a race: the loser of the insert gets a UNIQUE error.
    RacyHostsUniqueError => "hosts::idempotent_under_threads", "UNIQUE constraint failed: hosts.run_id, hosts.name";
    /// Run data shows host ids of another numbering than get_or_create_host gave.
    RunDataHostIdsRenumbered => "hosts::ids_in_run_data", "\"id\": 1,";
    /// An operation for a host of another run is accepted.
    HostRunNotChecked => "hosts::own_run_only", "\"Err\": \"unknown_host\"";
    /// `changed` and `success` swapped (columns in the wrong order).
    FlagsSwapped => "records::operation_round_trip", "\"changed\": false,";
    /// insert_operation panics.
    Panics => "records::operation_round_trip", "the harbor panicked: index out of bounds";
    /// Snapshot metrics are not stored.
    SnapshotMetricsDropped => "records::snapshot_round_trip", "\"metrics\": {";
    /// A fact log's context is stored in its log_level too (a column mix-up).
    FactContextAsLevel => "records::fact_log_round_trip", "\"log_level\": \"running_command_on_localhost\"";
    /// Run data lists every operation under the first host.
    OperationsUnderFirstHost => "records::grouped_under_host", "get_run_data(";
    /// Run data lists operations in insertion order.
    InsertionOrderOperations => "records::ordered_by_time", "\"name\": \"op 0\"";
    /// Run data adds the fact logs of the run created before.
    RunDataMixesRuns => "records::runs_isolated", "get_run_data(";
    /// Timespan includes its end: `timestamp <= end`.
    ClosedTimespanEnd => "timespan::half_open", "get_facts_for_timespan(";
    /// Timespan excludes its start: `timestamp > start`.
    OpenTimespanStart => "timespan::half_open", "get_facts_for_timespan(";
    /// An inverted window is swapped instead of giving nothing.
    InvertedWindowSwapped => "timespan::empty_and_inverted", "get_facts_for_timespan(";
    /// Timespan reads return the fact logs of every run.
    TimespanAllRuns => "timespan::only_the_run", "get_facts_for_timespan(";
    /// Timespan rows come back in insertion order, as Ch-rima's query without ORDER BY.
    InsertionOrderTimespan => "timespan::ordered", "get_facts_for_timespan(";
    /// Timespan rows lack their run id.
    TimespanRowsWithoutRunId => "timespan::row_fields", "\"run_id\": \"\"";
    /// A NaN bound gives an empty list instead of an error.
    NanBoundsGiveEmpty => "timespan::nan_bounds_rejected", "NaN, 1769462954.5272543): outcome differs";
    /// successful_operations counts the changed ones.
    SummarySuccessfulWrong => "summary::counts", "\"successful_operations\": 2";
    /// Summary total duration not rounded.
    SummaryWithoutRounding => "summary::rounded_duration", "\"total_duration\": 0.39975000000000005";
    /// Total duration not a number (Python's None) when there are no operations.
    SummaryNanWhenEmpty => "summary::no_operations_gives_zeros", "\"total_duration\": NaN";
    /// An unknown run's summary is an error.
    SummaryErrorForUnknownRun => "summary::unknown_run_zeros", "\"Err\": \"unknown_run\"";
    /// The summary is frozen at the first failure status and ignores later operations.
    SummaryFrozenAtFailure => "summary::counts_every_operation", "\"total_operations\": 1,";
    /// get_run_data of an unknown run gives an empty run instead of None.
    RunDataForUnknownRun => "run_data::unknown_run_none", "-404\") differs from the contract";
    /// Run data lists records of equal timestamps newest first (certifies: recommended only).
    TiesReversed => "records::ties_in_insertion_order", "+           \"name\": \"op 3\"";
    /// Run data lists hosts by name, as Ch-rima's index gives them (certifies: recommended only).
    HostsByName => "run_data::hosts_in_creation_order", "\"name\": \"db-1\"";
    /// get_run_data fails while the run has no end time, as the export reads it.
    RunDataNeedsEnd => "lifecycle::logbook_call_order", "float() argument must be a string or a real number, not 'NoneType'";
    /// connect() locks the store until disconnect(): a second instance cannot write.
    LockedWhileConnected => "concurrency::two_logbook_sessions", "database is locked";
    /// Hosts without operations are left out of run data.
    HostsWithoutOperationsDropped => "run_data::hosts_without_operations_listed", "\"name\": \"idle\"";
    /// Snapshots carry their host's id as host_name.
    SnapshotHostNameIsId => "run_data::snapshots_carry_host_name", "\"host_name\": \"1\"";
    /// Run data lists fact logs in insertion order.
    InsertionOrderFactLogs => "run_data::fact_logs_ordered", "\"timestamp\": 1769462953.0,";
    /// end_run_update keeps the status the run had.
    EndRunKeepsStatus => "run_data::whole_run", "\"status\": \"in_progress\"";
    /// Non-ASCII characters become '?' (a Latin-1 connection).
    AsciiOnlyStrings => "fidelity::unicode", "+     \"log_level\": \"h?llo w?rld ?\"";
    /// Strings cut at the first NUL, as C strings are.
    NulTruncatedStrings => "fidelity::nul_characters", "+     \"log_level\": \"a\"";
    /// Single quotes doubled by hand-made escaping.
    QuotesDoubled => "fidelity::sql_injection_strings", "+     \"log_level\": \"''; DROP TABLE runs; --\"";
    /// Empty strings read back as null.
    NullForEmptyStrings => "fidelity::empty_strings_kept", "+     \"command\": null";
    /// Strings cut to 64 KiB.
    TruncatedStrings => "fidelity::large_stdout", "\"stdout\": \"0123456789abcdef";
    /// JSON deeper than 32 levels becomes null.
    JsonDepthLimited => "fidelity::deep_json", "\"level\": [";
    /// Big integers pass through f64.
    IntegersThroughF64 => "fidelity::integer_limits", "\"i64_max\": 9223372036854775808";
    /// Floats stored as f32.
    LossyFloats => "fidelity::floats_17_digits", "inf is not a finite number";
    /// Timestamps rounded to microseconds, as `timestamptz` does.
    TimestampsToMicros => "fidelity::sub_microsecond_timestamps", "get_facts_for_timespan(";
    /// JSON keys sorted, as jsonb stores them.
    SortedJsonKeys => "fidelity::json_key_order", "\"boatswain\": \"192.0.2.7\"";
    /// NaN and infinite times are accepted silently.
    NonFiniteAccepted => "fidelity::non_finite_rejected", "\"Err\": \"invalid_value\"";
    /// Writes made while another call is in flight are dropped.
    LostWritesUnderThreads => "concurrency::logbook_pattern", "\"total_operations\": 120";
    /// Fact logs go to the run created last, whatever run they name.
    WritesToLastCreatedRun => "concurrency::two_runs_at_once", "get_run_data(";
    /// Fact logs are acknowledged, then written in batches of 10.
    WriteBehindBuffer => "concurrency::acknowledged_writes_visible", "fact logs were acknowledged by the writer, reader 1 saw";
    /// Each reopen starts an empty store.
    DataGoneAfterReopen => "durability::reopen_keeps_everything", "get_run_data(";
    /// Each opening numbers hosts anew.
    HostIdsRenumberedAfterReopen => "durability::host_ids_stable_after_reopen", "inconsistent with the ids it gave before";
    /// Fact logs are acknowledged but written only on disconnect: a crash loses them.
    AckedBeforeDurable => "durability::acknowledged_writes_survive_a_crash", "\"fact_logs\": [";
    /// A new host created after the run's end update gets the run's first host id (numbering restarts).
    HostAfterEndGetsFirstId => "property::hostile_sequences_match_model", "inconsistent with the ids it gave before";
    /// A timespan read keeps at most two fact logs of one timestamp.
    TimespanDropsThirdOfATimestamp => "property::sequences_match_model", "after the last step: get_facts_for_timespan(";
    /// The summary ignores operations written after the run's second end_run_update.
    SummaryFrozenAtSecondEnd => "property::hostile_sequences_match_model", "get_run_summary_stats(";
    /// end_run_update keeps a `failure` status whatever it is given (the Logbook's rule, wrongly in the harbor).
    EndKeepsFailure => "property::hostile_sequences_match_model", "get_run_data(";
    /// Operations of one host with one name overwrite each other (`INSERT OR REPLACE`).
    OperationsUpsertedByName => "property::sequences_match_model", "get_run_data(";
    /// A write made while a timespan read is in flight is dropped.
    WritesLostDuringTimespanReads => "property::concurrent_sessions_explainable", "get_run_data(";
    /// Every get_or_create_host call hangs.
    Deadlock => "hosts::idempotent", "timed out after 2 s in get_or_create_host(";

    correct variants:
    /// The total duration is the plain left-to-right sum, rounded, as Ch-rima on SQLite < 3.43.
    PlainSumSummary,
}

use conformance::Rule;

impl Defect {
    /// The rules a report must name as the roots of this defect's failures: one, or two where
    /// the defect breaks two rules (said why); none for a correct variant.
    pub fn planted(self) -> &'static [Rule] {
        use Defect::*;
        match self {
            PlainSumSummary => &[],
            // Two rules, honestly: each record shows the swap, and the summary counts the
            // wrong flag.
            FlagsSwapped => &[Rule::SameJson, Rule::SummaryStats],
            // The status shows wrong in run data and in the Logbook's own status query.
            StatusUpdateIgnored => &[Rule::SameJson, Rule::StatusQuery],
            // Times move: values differ, and rows cross a window's edge.
            TimestampsToMicros => &[Rule::SameFloat, Rule::InTimespan],
            // Writes missing from run data, and from the summary's counts.
            LostWritesUnderThreads | WritesLostDuringTimespanReads => {
                &[Rule::AcknowledgedIsKept, Rule::SummaryStats]
            }
            // One id for two names, and a name read back in the other case.
            HostNamesCaseInsensitive => &[Rule::OneHostPerName, Rule::SameJson],
            // The Logbook writes under the id create_run returned: those writes fail.
            CreateRunReturnsHumanId => &[Rule::RunIdUnique, Rule::SameOutcome],
            FactCommandsCut
            | HailerDropped
            | EndRunDropsSummary
            | SecretsDropped
            | SnapshotMetricsDropped
            | FactContextAsLevel
            | SnapshotHostNameIsId
            | EndRunKeepsStatus
            | AsciiOnlyStrings
            | NulTruncatedStrings
            | QuotesDoubled
            | NullForEmptyStrings
            | TruncatedStrings
            | JsonDepthLimited
            | IntegersThroughF64
            | EndKeepsFailure
            | TimespanRowsWithoutRunId => &[Rule::SameJson],
            DuplicateRunAccepted => &[Rule::RunIdUnique],
            AnyStatusAccepted => &[Rule::ValidStatus],
            UpdateCreatesUnknownRun | RunDataForUnknownRun => &[Rule::UnknownRunUpdate],
            ConnectWithoutExecute => &[Rule::StatusQuery],
            UnknownRunWritesAccepted | HostRunNotChecked => &[Rule::KnownRunAndHost],
            NonIdempotentHosts
            | HostsSharedAcrossRuns
            | RacyHosts
            | RacyHostsUniqueError
            | RunDataHostIdsRenumbered
            | HostIdsRenumberedAfterReopen
            | HostAfterEndGetsFirstId => &[Rule::OneHostPerName],
            Panics | Deadlock => &[Rule::Answers],
            InsertionOrderOperations
            | InsertionOrderTimespan
            | InsertionOrderFactLogs
            | TiesReversed => &[Rule::TimeThenInsertion],
            RunDataMixesRuns | TimespanAllRuns => &[Rule::RunIsolated],
            // What the Logbook sees: a run's writes are not kept (only two runs at once, a
            // recommended check, shows where they went).
            WritesToLastCreatedRun => &[Rule::AcknowledgedIsKept],
            ClosedTimespanEnd | OpenTimespanStart | InvertedWindowSwapped => &[Rule::InTimespan],
            NanBoundsGiveEmpty | NonFiniteAccepted => &[Rule::Finite],
            SummarySuccessfulWrong | SummaryFrozenAtFailure | SummaryFrozenAtSecondEnd => {
                &[Rule::SummaryStats]
            }
            SummaryWithoutRounding | SummaryNanWhenEmpty => &[Rule::TotalDuration],
            SummaryErrorForUnknownRun | RunDataNeedsEnd | LockedWhileConnected => {
                &[Rule::SameOutcome]
            }
            HostsByName => &[Rule::HostsInCreationOrder],
            LossyFloats => &[Rule::SameFloat],
            SortedJsonKeys => &[Rule::KeyOrder],
            OperationsUnderFirstHost
            | HostsWithoutOperationsDropped
            | WriteBehindBuffer
            | DataGoneAfterReopen
            | AckedBeforeDurable
            | InitDbWipes
            | TimespanDropsThirdOfATimestamp
            | OperationsUpsertedByName => &[Rule::AcknowledgedIsKept],
        }
    }
}
