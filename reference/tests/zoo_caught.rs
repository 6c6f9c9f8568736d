//! Every check can fail: each broken harbor of the zoo is caught by the check named for it,
//! every check has a broken harbor, and a harbor that deadlocks or panics fails with a
//! diagnosis while the suite goes on.

mod zoo;

use std::time::{Duration, Instant};

use conformance::suite::{all_checks, Outcome};
use zoo::{suite, Defect};

/// Runs only `defect`'s check; returns its failure message, or why it did not fail as named:
/// the check must fail with its clause and the defect's fragment, never by a panic of the kit.
fn catch(defect: Defect) -> Result<String, String> {
    let (check, fragment) = defect.caught_by();
    // Only the deadlock needs the time limit to end it; every other check gets all the time it
    // takes on a loaded machine, so that a slow check is never mistaken for a caught defect.
    let limit = match defect {
        Defect::Deadlock => Duration::from_secs(2),
        _ => Duration::from_secs(120),
    };
    let report = suite(defect).only(check).timeout(limit).run();
    let [result] = report.results.as_slice() else {
        return Err(format!("{defect:?}: no single check {check}"));
    };
    let message = result.message.clone().unwrap_or_default();
    let kit_panicked = ["the harbor factory panicked", "the check panicked"]
        .iter()
        .any(|p| message.contains(p));
    match result.outcome {
        Outcome::Failed if kit_panicked => Err(format!(
            "{defect:?}: {check} failed by a panic of the factory or the check, not by the defect:\n{message}"
        )),
        Outcome::Failed if !message.contains(&format!("clause:  {}", result.clause)) => Err(format!(
            "{defect:?}: {check} failed without naming its clause:\n{message}"
        )),
        Outcome::Failed if !message.contains(fragment) => Err(format!(
            "{defect:?}: {check} failed, but not with {fragment:?}:\n{message}"
        )),
        Outcome::Failed => Ok(message),
        other => Err(format!("{defect:?}: {check} did not catch it ({other:?})")),
    }
}

#[test]
fn each_broken_harbor_is_caught_by_the_check_named_for_it() {
    let missed: Vec<String> = Defect::ALL.iter().filter_map(|&d| catch(d).err()).collect();
    assert!(
        missed.is_empty(),
        "{} of {} defects not caught:\n{}",
        missed.len(),
        Defect::ALL.len(),
        missed.join("\n")
    );
}

#[test]
fn every_defect_names_a_fragment_of_its_failure() {
    let unnamed: Vec<_> = (Defect::ALL.iter())
        .filter(|d| d.caught_by().1.trim().len() < 8)
        .collect();
    assert!(
        unnamed.is_empty(),
        "defects without a fragment: {unnamed:?}"
    );
}

/// Correct harbors that differ from the kit's own certify: no required check fails them.
/// (Fewer generated sessions: the racy variant sleeps 20 ms inside each new host.)
#[test]
fn harbors_the_real_logbook_accepts_certify() {
    for &variant in Defect::CERTIFY {
        let report = suite(variant)
            .cases(24)
            .timeout(Duration::from_secs(30))
            .run();
        assert!(report.passed(), "{variant:?}:\n{}", report.to_text());
    }
}

#[test]
fn every_check_has_a_broken_harbor_it_catches() {
    let uncovered: Vec<&str> = all_checks()
        .iter()
        .map(|c| c.id)
        .filter(|id| !Defect::ALL.iter().any(|d| d.caught_by().0 == *id))
        .collect();
    assert!(
        uncovered.is_empty(),
        "checks with no broken harbor in the zoo: {uncovered:?}"
    );
}

#[test]
fn a_deadlocking_harbor_fails_with_a_diagnosis_and_the_suite_finishes() {
    let started = Instant::now();
    let report = suite(Defect::Deadlock)
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
    let message = catch(Defect::Panics).unwrap();
    assert!(
        message.contains("the harbor panicked: index out of bounds"),
        "{message}"
    );
}

#[test]
fn a_failure_shows_the_diff_and_the_calls_that_led_there() {
    let message = catch(Defect::ClosedTimespanEnd).unwrap();
    assert!(
        message.contains("diff (- what the contract expects, + what the harbor gave)"),
        "{message}"
    );
    assert!(message.contains("calls that led here"), "{message}");
    assert!(message.contains("get_facts_for_timespan("), "{message}");
    assert!(message.contains("reproduce: "), "{message}");
    // The usual cause is said on a line of its own.
    assert!(
        message.contains("\ncause:   a row at end_time: the window's end is exclusive\n"),
        "{message}"
    );
}

#[test]
fn chrimas_race_fails_with_the_harbors_own_error() {
    let message = catch(Defect::RacyHostsUniqueError).unwrap();
    assert!(
        message.contains("UNIQUE constraint failed: hosts.run_id, hosts.name"),
        "{message}"
    );
}

#[test]
fn a_crash_that_loses_acknowledged_writes_is_caught_by_what_it_lost() {
    let message = catch(Defect::AckedBeforeDurable).unwrap();
    assert!(
        message.contains("get_run_data(") && message.contains("differs from the contract"),
        "{message}"
    );
    assert!(message.contains("] crash() -> Ok(true)"), "{message}");
}

#[test]
fn sequence_only_defects_pass_every_deterministic_check() {
    for &defect in Defect::SEQUENCE_ONLY {
        let report = suite(defect).skip("property").run();
        assert!(
            report.results.iter().all(|r| r.outcome != Outcome::Failed),
            "{defect:?}:\n{}",
            report.to_text()
        );
    }
}

/// Seeds per sequence-only defect in `cargo test`; `cargo bench -p reference --bench property_power` runs 100.
const SEEDS: u64 = 10;

#[test]
fn the_property_part_alone_finds_every_sequence_only_defect_with_every_seed() {
    for &defect in Defect::SEQUENCE_ONLY {
        let missed: Vec<u64> = (0..SEEDS)
            .filter(|&seed| {
                let report = suite(defect).only(defect.caught_by().0).seed(seed).run();
                report.results[0].outcome != Outcome::Failed
            })
            .collect();
        assert!(
            missed.is_empty(),
            "{defect:?} escaped the default budget with seeds {missed:?}"
        );
    }
}

#[test]
fn a_property_failure_is_shrunk_to_a_short_readable_session() {
    let report = suite(Defect::EndKeepsFailure)
        .only("property::hostile_sequences_match_model")
        .seed(7)
        .run();
    let message = report.results[0].message.clone().unwrap_or_default();
    let steps = message
        .lines()
        .filter(|l| {
            l.trim_start()
                .split('.')
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    assert!((2..=8).contains(&steps), "{steps} steps:\n{message}");
    assert!(
        message.contains("start_update_run run")
            && message.contains("\"failure\"")
            && message.contains("end_run_update run"),
        "{message}"
    );
    assert!(
        message.contains("trace (for `limani replay`): {\"limani_trace\":1"),
        "{message}"
    );
    assert!(message.contains("rerun with LIMANI_SEED=7"), "{message}");
}

#[test]
fn the_property_part_leaves_unknown_run_writes_to_their_recommended_check() {
    for seed in 0..8 {
        let report = suite(Defect::UnknownRunWritesAccepted)
            .only("property")
            .seed(seed)
            .run();
        assert!(report.passed(), "seed {seed}:\n{}", report.to_text());
    }
}

/// The rules of the causes a report roots its required failures in (of every cause when no
/// required check failed).
fn root_rules(report: &conformance::Report) -> Vec<&'static str> {
    let causes = report.causes();
    let failing = causes.iter().any(|c| report.fails_certification(c[0]));
    let roots = causes
        .iter()
        .filter(|c| !failing || report.fails_certification(c[0]));
    let mut rules: Vec<&str> = roots
        .map(|c| c[0].rule.map_or("none", |r| r.name()))
        .collect();
    rules.sort();
    rules
}

/// A harbor with one defect gets one cause, the planted rule, in a report a person reads: at
/// most 60 lines after the progress lines, whose cause shows its diff. Among them the authors'
/// harbors of issue 11: hosts by name (a HashMap), integers through floats and keys sorted
/// (jsonb). (`cargo bench -p reference --bench blast_radius` holds the whole zoo to this.)
#[test]
fn one_defect_one_short_report() {
    let mut long = Vec::new();
    for defect in [
        Defect::IntegersThroughF64,
        Defect::SortedJsonKeys,
        Defect::HostsByName,
        Defect::TruncatedStrings,
        Defect::ClosedTimespanEnd,
        Defect::InsertionOrderOperations,
    ] {
        let report = suite(defect).timeout(Duration::from_secs(120)).run();
        let text = report.to_text_after_progress();
        let (check, _) = defect.caught_by();
        let lines = text.lines().count();
        let first = text.split("\n--- ").nth(1).unwrap_or_default();
        let diff = first.contains("diff (- what the contract expects");
        let rules = root_rules(&report);
        let planted: Vec<&str> = defect.planted().iter().map(|r| r.name()).collect();
        println!("{defect:?}: {lines} lines, roots {rules:?}, first cause with its diff: {diff}");
        if std::env::var_os("SHOW").is_some() {
            println!("{text}");
        }
        if lines > 60 || !diff || !text.contains(check) || rules != planted {
            long.push(format!(
                "{defect:?}: {lines} lines, roots {rules:?}\n{text}"
            ));
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n=====\n"));
}

/// Two independent defects are two causes: grouping hides neither.
#[test]
fn two_defects_two_roots() {
    let mut hidden = Vec::new();
    for &(a, b) in zoo::PAIRS {
        let report = zoo::suite_pair(a, b).cases(24).run();
        let rules = root_rules(&report);
        let planted = a.planted().iter().chain(b.planted()).map(|r| r.name());
        let missing: Vec<&str> = planted.filter(|r| !rules.contains(r)).collect();
        if !missing.is_empty() {
            hidden.push(format!(
                "{a:?} + {b:?}: roots {rules:?}, missing {missing:?}\n{}",
                report.to_text_after_progress()
            ));
        }
    }
    assert!(hidden.is_empty(), "{}", hidden.join("\n=====\n"));
}

/// `run_all` (`assert_conforms`) panics with the failures first, the cause on the first screen,
/// not under a table of every check.
#[test]
fn a_failing_run_all_says_its_failures_first() {
    let run = || {
        suite(Defect::ClosedTimespanEnd)
            .only("timespan")
            .assert_conforms()
    };
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_err();
    let text = (panic.downcast_ref::<String>())
        .cloned()
        .unwrap_or_default();
    let first_screen: Vec<&str> = text.lines().take(8).collect();
    assert!(
        first_screen
            .iter()
            .any(|l| l.starts_with("--- failed timespan::"))
            && first_screen
                .iter()
                .any(|l| l.starts_with("cause:   a row at end_time")),
        "{text}"
    );
}
