//! `suite!`: one `#[test]` per check, so `cargo test` and `cargo nextest` list, filter and
//! parallelize them one by one. The list below is checked against the registry by a test.

/// Expands to a module `$name` with one `#[test]` per check, named `group__check`.
///
/// ```
/// conformance::suite!(my_harbor, || conformance::MemoryLimani::new());
/// // or, configured:
/// conformance::suite!(my_seed_harbor, || conformance::MemoryLimani::new(), |s: conformance::Suite| {
///     s.revision(conformance::Revision::Seed)
/// });
/// ```
/// A required check that fails makes its test fail; a recommended one prints its failure.
#[macro_export]
macro_rules! suite {
    ($name:ident, $factory:expr) => {
        $crate::suite!($name, $factory, |suite: $crate::Suite| suite);
    };
    ($name:ident, $factory:expr, $configure:expr) => {
        $crate::__suite_tests! {
            $name, $factory, $configure;
            lifecycle__init_db_keeps_data = "lifecycle::init_db_keeps_data",
            lifecycle__run_reads_back = "lifecycle::run_reads_back",
            lifecycle__create_run_returns_its_id = "lifecycle::create_run_returns_its_id",
            lifecycle__duplicate_run_rejected = "lifecycle::duplicate_run_rejected",
            lifecycle__status_update = "lifecycle::status_update",
            lifecycle__end_run_update_stored = "lifecycle::end_run_update_stored",
            lifecycle__invalid_status_rejected = "lifecycle::invalid_status_rejected",
            lifecycle__create_run_revision = "lifecycle::create_run_revision",
            lifecycle__unknown_run_updates_create_nothing = "lifecycle::unknown_run_updates_create_nothing",
            lifecycle__writes_to_unknown_run_rejected = "lifecycle::writes_to_unknown_run_rejected",
            lifecycle__connect_answers_the_logbooks_status_query = "lifecycle::connect_answers_the_logbooks_status_query",
            lifecycle__logbook_call_order = "lifecycle::logbook_call_order",
            hosts__idempotent = "hosts::idempotent",
            hosts__distinct_per_name = "hosts::distinct_per_name",
            hosts__distinct_per_run = "hosts::distinct_per_run",
            hosts__idempotent_under_threads = "hosts::idempotent_under_threads",
            hosts__ids_in_run_data = "hosts::ids_in_run_data",
            hosts__own_run_only = "hosts::own_run_only",
            records__operation_round_trip = "records::operation_round_trip",
            records__snapshot_round_trip = "records::snapshot_round_trip",
            records__fact_log_round_trip = "records::fact_log_round_trip",
            records__grouped_under_host = "records::grouped_under_host",
            records__ordered_by_time = "records::ordered_by_time",
            records__ties_in_insertion_order = "records::ties_in_insertion_order",
            records__runs_isolated = "records::runs_isolated",
            timespan__half_open = "timespan::half_open",
            timespan__empty_and_inverted = "timespan::empty_and_inverted",
            timespan__only_the_run = "timespan::only_the_run",
            timespan__ordered = "timespan::ordered",
            timespan__row_fields = "timespan::row_fields",
            timespan__nan_bounds_rejected = "timespan::nan_bounds_rejected",
            summary__counts = "summary::counts",
            summary__rounded_duration = "summary::rounded_duration",
            summary__no_operations_gives_zeros = "summary::no_operations_gives_zeros",
            summary__unknown_run_zeros = "summary::unknown_run_zeros",
            summary__counts_every_operation = "summary::counts_every_operation",
            run_data__unknown_run_none = "run_data::unknown_run_none",
            run_data__hosts_without_operations_listed = "run_data::hosts_without_operations_listed",
            run_data__hosts_in_creation_order = "run_data::hosts_in_creation_order",
            run_data__snapshots_carry_host_name = "run_data::snapshots_carry_host_name",
            run_data__fact_logs_ordered = "run_data::fact_logs_ordered",
            run_data__whole_run = "run_data::whole_run",
            fidelity__unicode = "fidelity::unicode",
            fidelity__nul_characters = "fidelity::nul_characters",
            fidelity__sql_injection_strings = "fidelity::sql_injection_strings",
            fidelity__empty_strings_kept = "fidelity::empty_strings_kept",
            fidelity__large_stdout = "fidelity::large_stdout",
            fidelity__deep_json = "fidelity::deep_json",
            fidelity__integer_limits = "fidelity::integer_limits",
            fidelity__floats_17_digits = "fidelity::floats_17_digits",
            fidelity__sub_microsecond_timestamps = "fidelity::sub_microsecond_timestamps",
            fidelity__json_key_order = "fidelity::json_key_order",
            fidelity__non_finite_rejected = "fidelity::non_finite_rejected",
            concurrency__logbook_pattern = "concurrency::logbook_pattern",
            concurrency__two_logbook_sessions = "concurrency::two_logbook_sessions",
            concurrency__two_runs_at_once = "concurrency::two_runs_at_once",
            concurrency__acknowledged_writes_visible = "concurrency::acknowledged_writes_visible",
            durability__reopen_keeps_everything = "durability::reopen_keeps_everything",
            durability__host_ids_stable_after_reopen = "durability::host_ids_stable_after_reopen",
            durability__acknowledged_writes_survive_a_crash = "durability::acknowledged_writes_survive_a_crash",
            property__sequences_match_model = "property::sequences_match_model",
            property__concurrent_sessions_explainable = "property::concurrent_sessions_explainable",
            property__hostile_sequences_match_model = "property::hostile_sequences_match_model",
            fixtures__recorded_runs_replay = "fixtures::recorded_runs_replay",
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __suite_tests {
    ($name:ident, $factory:expr, $configure:expr; $($test:ident = $id:literal,)*) => {
        #[allow(non_snake_case)]
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn suite() -> $crate::Suite {
                let configure = $configure;
                configure($crate::Suite::new($factory))
            }

            $(
                #[test]
                fn $test() {
                    suite().run_check($id);
                }
            )*
        }
    };
}

/// The ids the macro lists, for the test that keeps it equal to the registry.
#[doc(hidden)]
pub const SUITE_MACRO_IDS: &[&str] = &[
    "lifecycle::init_db_keeps_data",
    "lifecycle::run_reads_back",
    "lifecycle::create_run_returns_its_id",
    "lifecycle::duplicate_run_rejected",
    "lifecycle::status_update",
    "lifecycle::end_run_update_stored",
    "lifecycle::invalid_status_rejected",
    "lifecycle::create_run_revision",
    "lifecycle::unknown_run_updates_create_nothing",
    "lifecycle::writes_to_unknown_run_rejected",
    "lifecycle::connect_answers_the_logbooks_status_query",
    "lifecycle::logbook_call_order",
    "hosts::idempotent",
    "hosts::distinct_per_name",
    "hosts::distinct_per_run",
    "hosts::idempotent_under_threads",
    "hosts::ids_in_run_data",
    "hosts::own_run_only",
    "records::operation_round_trip",
    "records::snapshot_round_trip",
    "records::fact_log_round_trip",
    "records::grouped_under_host",
    "records::ordered_by_time",
    "records::ties_in_insertion_order",
    "records::runs_isolated",
    "timespan::half_open",
    "timespan::empty_and_inverted",
    "timespan::only_the_run",
    "timespan::ordered",
    "timespan::row_fields",
    "timespan::nan_bounds_rejected",
    "summary::counts",
    "summary::rounded_duration",
    "summary::no_operations_gives_zeros",
    "summary::unknown_run_zeros",
    "summary::counts_every_operation",
    "run_data::unknown_run_none",
    "run_data::hosts_without_operations_listed",
    "run_data::hosts_in_creation_order",
    "run_data::snapshots_carry_host_name",
    "run_data::fact_logs_ordered",
    "run_data::whole_run",
    "fidelity::unicode",
    "fidelity::nul_characters",
    "fidelity::sql_injection_strings",
    "fidelity::empty_strings_kept",
    "fidelity::large_stdout",
    "fidelity::deep_json",
    "fidelity::integer_limits",
    "fidelity::floats_17_digits",
    "fidelity::sub_microsecond_timestamps",
    "fidelity::json_key_order",
    "fidelity::non_finite_rejected",
    "concurrency::logbook_pattern",
    "concurrency::two_logbook_sessions",
    "concurrency::two_runs_at_once",
    "concurrency::acknowledged_writes_visible",
    "durability::reopen_keeps_everything",
    "durability::host_ids_stable_after_reopen",
    "durability::acknowledged_writes_survive_a_crash",
    "property::sequences_match_model",
    "property::concurrent_sessions_explainable",
    "property::hostile_sequences_match_model",
    "fixtures::recorded_runs_replay",
];
