//! Every check can fail: each broken harbor of the zoo is caught by the check named for it,
//! and a harbor that deadlocks or panics fails with a diagnosis while the suite goes on.

mod zoo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use conformance::suite::Outcome;
use conformance::{MemoryLimani, Suite};
use rstest::rstest;
use zoo::{over_sqlite, Broken, Defect};

fn caught_by(suite: Suite, check: &str) -> String {
    let report = suite.only(check).timeout(Duration::from_secs(3)).run();
    assert_eq!(report.results.len(), 1, "the check {check} exists");
    let result = &report.results[0];
    assert_eq!(
        result.outcome,
        Outcome::Failed,
        "{check} did not catch the defect:\n{}",
        report.to_text()
    );
    let message = result.message.clone().unwrap_or_default();
    assert!(
        message.contains(&format!("clause:  {}", result.clause)),
        "the message names the clause:\n{message}"
    );
    message
}

#[rstest]
#[case(Defect::ClosedTimespanEnd, "timespan::half_open")]
#[case(Defect::OpenTimespanStart, "timespan::half_open")]
#[case(Defect::InsertionOrderTimespan, "timespan::ordered")]
#[case(Defect::InsertionOrderFactLogs, "run_data::fact_logs_ordered")]
#[case(
    Defect::InsertionOrderOperations,
    "records::ordered_by_time_then_insertion"
)]
#[case(Defect::NonIdempotentHosts, "hosts::idempotent")]
#[case(Defect::RacyHosts, "hosts::idempotent_under_threads")]
#[case(Defect::RacyHostsUniqueError, "hosts::idempotent_under_threads")]
#[case(Defect::HostsSharedAcrossRuns, "hosts::distinct_per_run")]
#[case(Defect::LossyFloats, "fidelity::floats_17_digits")]
#[case(Defect::TruncatedStrings, "fidelity::large_stdout")]
#[case(Defect::NulTruncatedStrings, "fidelity::nul_characters")]
#[case(Defect::NullForEmptyStrings, "fidelity::empty_strings_kept")]
#[case(Defect::SummaryWithoutRounding, "summary::rounded_duration")]
#[case(Defect::SummaryNanWhenEmpty, "summary::no_operations_gives_zeros")]
#[case(Defect::SummarySuccessfulWrong, "summary::counts")]
#[case(Defect::SummaryErrorForUnknownRun, "summary::unknown_run_zeros")]
#[case(Defect::RunDataForUnknownRun, "run_data::unknown_run_none")]
#[case(
    Defect::HostsWithoutOperationsDropped,
    "run_data::hosts_without_operations_listed"
)]
#[case(Defect::DuplicateRunAccepted, "lifecycle::duplicate_run_rejected")]
#[case(Defect::AnyStatusAccepted, "lifecycle::invalid_status_rejected")]
#[case(Defect::EndRunDropsSummary, "lifecycle::end_run_update_stored")]
#[case(Defect::SecretsDropped, "lifecycle::create_run_revision")]
#[case(
    Defect::UpdateCreatesUnknownRun,
    "lifecycle::unknown_run_updates_create_nothing"
)]
#[case(Defect::LostWritesUnderThreads, "concurrency::logbook_pattern")]
#[case(Defect::Panics, "records::operation_round_trip")]
#[case(Defect::SortedJsonKeys, "fidelity::json_key_order")]
#[case(Defect::IntegersThroughF64, "fidelity::integer_limits")]
fn each_broken_harbor_is_caught_by_its_check(#[case] defect: Defect, #[case] check: &str) {
    caught_by(Suite::new(move || over_sqlite(defect)), check);
}

#[test]
fn data_gone_after_reopen_is_caught_by_durability() {
    let suite =
        Suite::new(|| Broken::new(Defect::DataGoneAfterReopen, Arc::new(MemoryLimani::new())))
            .reopen(MemoryLimani::new);
    caught_by(suite, "durability::reopen_keeps_everything");
}

#[test]
fn a_deadlocking_harbor_fails_with_a_diagnosis_and_the_suite_finishes() {
    let started = Instant::now();
    let report = Suite::new(|| over_sqlite(Defect::Deadlock))
        .only("hosts")
        .timeout(Duration::from_secs(1))
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the suite finished"
    );
    let racing = report
        .results
        .iter()
        .find(|r| r.id == "hosts::idempotent_under_threads")
        .unwrap();
    let message = racing.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("timed out after 1 s in get_or_create_host("),
        "{message}"
    );
    assert!(message.contains("on thread "), "{message}");
    assert!(report.results.iter().all(|r| r.outcome == Outcome::Failed));
}

#[test]
fn a_panicking_harbor_fails_with_its_message() {
    let message = caught_by(
        Suite::new(|| over_sqlite(Defect::Panics)),
        "records::operation_round_trip",
    );
    assert!(
        message.contains("the harbor panicked: index out of bounds"),
        "{message}"
    );
}

#[test]
fn a_failure_shows_the_diff_and_the_calls_that_led_there() {
    let message = caught_by(
        Suite::new(|| over_sqlite(Defect::ClosedTimespanEnd)),
        "timespan::half_open",
    );
    assert!(
        message.contains("diff (- what the contract expects, + what the harbor gave)"),
        "{message}"
    );
    assert!(message.contains("calls that led here"), "{message}");
    assert!(message.contains("get_facts_for_timespan("), "{message}");
    assert!(message.contains("reproduce: "), "{message}");
}
