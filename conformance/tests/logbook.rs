//! v1 logbooks: imported into a harbor and exported again, the same document comes back (the
//! same keys in the same order, the same number text), fact ids up to a renaming.

use conformance::fixtures;
use conformance::logbook::{self, Logbook};
use conformance::{Limani, MemoryLimani};

fn round_trip(text: &str) -> String {
    logbook::round_trip(text, &MemoryLimani::new()).unwrap()
}

#[test]
fn every_recorded_logbook_round_trips() {
    for fixture in fixtures::recorded() {
        let again = round_trip(fixture.logbook);
        assert!(again.len() > 1000, "{}: {again}", fixture.scenario);
    }
}

/// A logbook of Ch-aOS before 0.7 (no `secrets_required`), made from a recorded one.
#[test]
fn a_logbook_without_secrets_round_trips_without_them() {
    let recorded = fixtures::recorded()[0].logbook;
    let older: String = (recorded.lines())
        .filter(|l| !l.starts_with("    \"secrets_required\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(older, recorded);
    let again = round_trip(&older);
    assert!(!again.contains("secrets_required"), "{again}");
    assert_eq!(again.lines().count(), older.lines().count());
}

/// The example of Ch-aOS's own docs, an older logbook (`../shared/examples`, beside the repo in CI).
#[test]
fn a_logbook_of_chaos_before_0_7_round_trips_in_its_own_shape() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/examples/chaos_logbook_docs_example.json"
    );
    let text = std::fs::read_to_string(path).expect("the example logbook of ../shared/examples");
    let again = round_trip(&text);
    assert!(!again.contains("secrets_required"), "{again}");
}

#[test]
fn bad_logbooks_get_one_line_and_write_nothing() {
    let good = fixtures::recorded()[0].logbook;
    let cases = [
        ("not json".to_owned(), "not JSON"),
        (
            good.replace("\"api_version\": \"v1\"", "\"api_version\": \"v2\""),
            "api_version \"v2\" is not \"v1\"",
        ),
        (
            good.replace("\"uggly_run_id\"", "\"other_key\""),
            "no \"uggly_run_id\"",
        ),
    ];
    for (text, expected) in cases {
        let error = Logbook::parse(&text).unwrap_err();
        assert!(error.contains(expected) && !error.contains('\n'), "{error}");
    }
    let harbor = MemoryLimani::new();
    let logbook = Logbook::parse(good).unwrap();
    let run_id = logbook::import(&logbook, &harbor).unwrap();
    let before = harbor.get_run_data(&run_id).unwrap();
    let error = logbook::import(&logbook, &harbor).unwrap_err();
    assert!(
        error.contains("already") && error.contains("nothing was written"),
        "{error}"
    );
    assert_eq!(harbor.get_run_data(&run_id).unwrap(), before);
}

#[test]
fn a_changed_document_is_not_a_round_trip() {
    let mut text = fixtures::recorded()[0].logbook.to_owned();
    // The first host's total, no longer the sum of its operations: the export computes it again.
    text = text.replacen("\"duration\": 0.0", "\"duration\": 0.00", 1);
    let error = logbook::round_trip(&text, &MemoryLimani::new()).unwrap_err();
    assert!(error.contains("changed the document"), "{error}");
}
