//! One table of contract cases, run against the model and the SQLite harbor alike.
//! Each case states its expected values literally, so the model is tested too.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use conformance::Json;
use conformance::{ErrorKind, Limani, NewSnapshot, RunStatus};
use rstest::rstest;
use serde_json::json;

#[path = "contract_table/records.rs"]
mod records;

use records::*;

/// init_db twice keeps data.
fn init_twice_keeps_runs(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    h.init_db().unwrap();
    assert!(h.get_run_data("r1").unwrap().is_some());
}

/// A run reads back exactly, starting in_progress with no end.
fn run_reads_back(h: &dyn Limani) {
    let mut new = run("r1");
    new.required_secrets = Some(BTreeSet::from(["b".to_owned(), "a".to_owned()]));
    assert_eq!(h.create_run(&new).unwrap(), "r1");
    let data = h.get_run_data("r1").unwrap().unwrap();
    assert_eq!(data.run.run_id_human, "human r1");
    assert_eq!(data.run.start_time.to_bits(), 1769462953.6252f64.to_bits());
    assert_eq!(data.run.status, RunStatus::InProgress);
    assert_eq!(data.run.end_time, None);
    assert_eq!(data.run.hailer, Some(new.hailer_info.clone()));
    assert_eq!(data.run.required_secrets, new.required_secrets);
    assert!(data.hosts.is_empty() && data.snapshots.is_empty() && data.fact_logs.is_empty());
}

/// A duplicate run id is an error and changes nothing.
fn duplicate_run_rejected(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    let mut again = run("r1");
    again.run_id_human = "other".into();
    assert_eq!(kind(h.create_run(&again)), ErrorKind::DuplicateRun);
    assert_eq!(
        h.get_run_data("r1").unwrap().unwrap().run.run_id_human,
        "human r1"
    );
}

/// Status updates, the end-of-run update and invalid statuses.
fn status_rules(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    h.start_update_run("r1", "failure").unwrap();
    assert_eq!(
        kind(h.start_update_run("r1", "done")),
        ErrorKind::InvalidStatus
    );
    assert_eq!(
        kind(h.end_run_update("r1", 2.0, "FAILURE", &Json::empty_object())),
        ErrorKind::InvalidStatus
    );
    let summary: Json =
        json!({"total_operations": 0, "total_duration": 0.0, "status": "failure"}).into();
    h.end_run_update("r1", 1769462999.125, "failure", &summary)
        .unwrap();
    let run = h.get_run_data("r1").unwrap().unwrap().run;
    assert_eq!(
        (run.status, run.end_time, run.summary),
        (RunStatus::Failure, Some(1769462999.125), Some(summary))
    );
}

/// Updates of an unknown run create nothing.
fn unknown_run_updates_create_nothing(h: &dyn Limani) {
    let _ = h.start_update_run("ghost", "success");
    let _ = h.end_run_update("ghost", 1.0, "success", &Json::empty_object());
    assert!(h.get_run_data("ghost").unwrap().is_none());
    assert_eq!(
        kind(h.get_or_create_host("ghost", "@local")),
        ErrorKind::UnknownRun
    );
    assert_eq!(
        kind(h.insert_fact_log(&fact("ghost", 1.0, "x"))),
        ErrorKind::UnknownRun
    );
}

/// Hosts are idempotent per run and name, distinct per name and per run.
fn hosts_idempotent_and_distinct(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    h.create_run(&run("r2")).unwrap();
    let a = h.get_or_create_host("r1", "@local").unwrap();
    assert_eq!(h.get_or_create_host("r1", "@local").unwrap(), a);
    let b = h.get_or_create_host("r1", "10.0.0.2").unwrap();
    let c = h.get_or_create_host("r2", "@local").unwrap();
    assert!(a != b && a != c && b != c);
    let hosts: Vec<_> = h
        .get_run_data("r1")
        .unwrap()
        .unwrap()
        .hosts
        .iter()
        .map(|h| (h.id, h.name.clone()))
        .collect();
    assert_eq!(
        hosts,
        vec![(a, "@local".to_owned()), (b, "10.0.0.2".to_owned())]
    );
}

/// Operations need a host of their own run.
fn operation_needs_own_host(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    h.create_run(&run("r2")).unwrap();
    let other = h.get_or_create_host("r2", "@local").unwrap();
    assert_eq!(
        kind(h.insert_operation(&operation("r1", other, "x", false, true, 0.1, 1.0))),
        ErrorKind::UnknownHost
    );
    assert_eq!(
        kind(h.insert_operation(&operation("ghost", other, "x", false, true, 0.1, 1.0))),
        ErrorKind::UnknownRun
    );
    assert_eq!(h.get_run_summary_stats("r1").unwrap().total_operations, 0);
}

/// Timespans are half-open, ordered by timestamp then insertion, and only the asked run.
fn timespan_half_open_and_ordered(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    h.create_run(&run("r2")).unwrap();
    for (ts, cmd) in [
        (3.0, "c"),
        (1.0, "a"),
        (2.0, "b1"),
        (2.0, "b2"),
        (0.5, "before"),
    ] {
        h.insert_fact_log(&fact("r1", ts, cmd)).unwrap();
    }
    h.insert_fact_log(&fact("r2", 1.5, "other run")).unwrap();
    assert_eq!(
        commands(&h.get_facts_for_timespan("r1", 1.0, 3.0).unwrap()),
        ["a", "b1", "b2"]
    );
    assert_eq!(
        commands(
            &h.get_facts_for_timespan("r1", 1.0, f64::from_bits(3.0f64.to_bits() + 1))
                .unwrap()
        ),
        ["a", "b1", "b2", "c"]
    );
    assert!(h.get_facts_for_timespan("r1", 3.0, 1.0).unwrap().is_empty());
    assert!(h.get_facts_for_timespan("r1", 2.0, 2.0).unwrap().is_empty());
    let row = &h.get_facts_for_timespan("r1", 0.0, 1.0).unwrap()[0];
    assert_eq!(
        (
            row.run_id.as_str(),
            row.log_level.as_deref(),
            row.context.as_deref()
        ),
        ("r1", Some("DEBUG"), Some("fact_gathering"))
    );
    assert_eq!(
        kind(h.get_facts_for_timespan("r1", f64::NAN, 1.0)),
        ErrorKind::InvalidValue
    );
}

/// Summary stats: exact counts, rounded total, zeros for unknown runs.
fn summary_counts_and_rounds(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    assert_eq!(
        h.get_run_summary_stats("r1")
            .unwrap()
            .total_duration
            .to_bits(),
        0.0f64.to_bits()
    );
    let host = h.get_or_create_host("r1", "@local").unwrap();
    h.insert_operation(&operation("r1", host, "a", true, true, 0.1, 1.0))
        .unwrap();
    h.insert_operation(&operation("r1", host, "b", false, false, 0.2, 2.0))
        .unwrap();
    h.insert_operation(&operation("r1", host, "c", true, true, 0.00005, 3.0))
        .unwrap();
    let s = h.get_run_summary_stats("r1").unwrap();
    assert_eq!(
        (
            s.total_operations,
            s.changed_operations,
            s.successful_operations,
            s.failed_operations
        ),
        (3, 2, 2, 1)
    );
    assert_eq!(s.total_duration, 0.3001);
    let zero = h.get_run_summary_stats("ghost").unwrap();
    assert_eq!((zero.total_operations, zero.total_duration), (0, 0.0));
}

/// Run data: None for unknown runs; operations under their host by time; snapshots carry host_name.
fn run_data_shape(h: &dyn Limani) {
    assert!(h.get_run_data("ghost").unwrap().is_none());
    h.create_run(&run("r1")).unwrap();
    let web = h.get_or_create_host("r1", "web").unwrap();
    let idle = h.get_or_create_host("r1", "idle").unwrap();
    h.insert_operation(&operation("r1", web, "late", false, true, 0.1, 9.0))
        .unwrap();
    h.insert_operation(&operation("r1", web, "early", false, true, 0.1, 1.0))
        .unwrap();
    h.insert_snapshot(&NewSnapshot {
        run_id: "r1".into(),
        host_id: web,
        stage: "post_operations".into(),
        timestamp: 5.0,
        metrics: json!({"ram_percent": 24.0}).into(),
    })
    .unwrap();
    h.insert_snapshot(&NewSnapshot {
        run_id: "r1".into(),
        host_id: idle,
        stage: "pre_operations".into(),
        timestamp: 0.5,
        metrics: json!({"cpu_load_1min": 0.67}).into(),
    })
    .unwrap();
    let data = h.get_run_data("r1").unwrap().unwrap();
    let names: Vec<_> = data.hosts[0]
        .operations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["early", "late"]);
    assert!(data.hosts[1].operations.is_empty());
    let snaps: Vec<_> = data
        .snapshots
        .iter()
        .map(|s| (s.host_name.as_str(), s.stage.as_deref()))
        .collect();
    assert_eq!(
        snaps,
        [
            ("idle", Some("pre_operations")),
            ("web", Some("post_operations"))
        ]
    );
}

/// Values are kept exactly: bools, empty strings, big integers, 17-digit floats, NUL, unicode.
fn values_kept_exactly(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    let host = h
        .get_or_create_host("r1", "h\u{0}ost \u{202e}\u{1F600}")
        .unwrap();
    let mut op = operation(
        "r1",
        host,
        "'; DROP TABLE runs; --",
        false,
        true,
        0.1 + 0.2,
        1769462953.1234567,
    );
    op.arguments = Json::new(r#"{"big": 18446744073709551617, "neg": -9223372036854775808, "f": 0.30000000000000004, "nul": "a\u0000b", "z": "", "nested": [[[[{}]]]]}"#).unwrap();
    op.diff = String::new();
    op.logs = json!({"stdout": "é\u{301} \u{10FFFF}", "stderr": ""}).into();
    h.insert_operation(&op).unwrap();
    let stored = &h.get_run_data("r1").unwrap().unwrap().hosts[0].operations[0];
    assert_eq!(stored.diff.as_deref(), Some(""));
    assert!(!stored.changed && stored.success);
    assert_eq!(stored.duration.to_bits(), (0.1f64 + 0.2).to_bits());
    assert_eq!(stored.timestamp.to_bits(), 1769462953.1234567f64.to_bits());
    assert_eq!(stored.name, op.name);
    let args = stored.arguments.as_ref().unwrap();
    assert!(
        conformance::model::rules::same_json(&args.parse(), &op.arguments.parse()),
        "{args} != {}",
        op.arguments
    );
    assert!(args.as_str().contains("18446744073709551617"), "{args}");
    assert_eq!(stored.logs, Some(op.logs.clone()));
}

/// Non-finite times are invalid values, and nothing is written.
fn non_finite_times_rejected(h: &dyn Limani) {
    let mut bad = run("r1");
    bad.start_time = f64::NAN;
    assert_eq!(kind(h.create_run(&bad)), ErrorKind::InvalidValue);
    assert!(h.get_run_data("r1").unwrap().is_none());
    h.create_run(&run("r1")).unwrap();
    let host = h.get_or_create_host("r1", "@local").unwrap();
    assert_eq!(
        kind(h.insert_operation(&operation("r1", host, "x", false, true, f64::INFINITY, 1.0))),
        ErrorKind::InvalidValue
    );
    assert_eq!(
        kind(h.insert_fact_log(&fact("r1", f64::NAN, "x"))),
        ErrorKind::InvalidValue
    );
    assert_eq!(
        kind(h.end_run_update(
            "r1",
            f64::NEG_INFINITY,
            "success",
            &Json::new("null").unwrap()
        )),
        ErrorKind::InvalidValue
    );
    let data = h.get_run_data("r1").unwrap().unwrap();
    assert!(
        data.hosts[0].operations.is_empty()
            && data.fact_logs.is_empty()
            && data.run.end_time.is_none()
    );
}

/// Eight threads racing for one new host get one id, one row, no error.
fn hosts_race_gives_one_id(h: &dyn Limani) {
    h.create_run(&run("r1")).unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let ids: Vec<i64> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let barrier = barrier.clone();
                s.spawn(move || {
                    barrier.wait();
                    h.get_or_create_host("r1", "racy-host").unwrap()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "ids differ: {ids:?}");
    assert_eq!(h.get_run_data("r1").unwrap().unwrap().hosts.len(), 1);
}

#[rstest]
#[case::init_twice_keeps_runs(init_twice_keeps_runs)]
#[case::run_reads_back(run_reads_back)]
#[case::duplicate_run_rejected(duplicate_run_rejected)]
#[case::status_rules(status_rules)]
#[case::unknown_run_updates_create_nothing(unknown_run_updates_create_nothing)]
#[case::hosts_idempotent_and_distinct(hosts_idempotent_and_distinct)]
#[case::operation_needs_own_host(operation_needs_own_host)]
#[case::timespan_half_open_and_ordered(timespan_half_open_and_ordered)]
#[case::summary_counts_and_rounds(summary_counts_and_rounds)]
#[case::run_data_shape(run_data_shape)]
#[case::values_kept_exactly(values_kept_exactly)]
#[case::non_finite_times_rejected(non_finite_times_rejected)]
#[case::hosts_race_gives_one_id(hosts_race_gives_one_id)]
fn contract(
    #[values(Harbor::Model, Harbor::SqliteMemory, Harbor::SqliteFile)] harbor: Harbor,
    #[case] case: fn(&dyn Limani),
) {
    let (harbor, _dir) = open(harbor);
    case(harbor.as_ref());
}
