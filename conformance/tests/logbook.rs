//! v1 logbooks: imported into a harbor and exported again, the same document comes back (the
//! same keys in the same order, the same number text), fact ids up to a renaming.

use conformance::fixtures;
use conformance::logbook::{self, Logbook};
use conformance::{Exact, Limani, MemoryLimani};

/// The document with each `fact_history` id replaced by its rank: ids up to a renaming.
fn with_fact_ids_renamed(text: &str) -> Exact {
    let mut doc = Exact::parse(text).unwrap();
    if let Exact::Object(fields) = &mut doc {
        for (key, value) in fields.iter_mut() {
            if let (true, Exact::List(rows)) = (key == "fact_history", value) {
                for (rank, row) in rows.iter_mut().enumerate() {
                    if let Exact::Object(row) = row {
                        for (k, v) in row.iter_mut().filter(|(k, _)| k == "id") {
                            let _ = k;
                            *v = Exact::Int(rank.to_string());
                        }
                    }
                }
            }
        }
    }
    doc
}

fn round_trip(text: &str) -> String {
    let logbook = Logbook::parse(text).unwrap();
    let harbor = MemoryLimani::new();
    let run_id = logbook::import(&logbook, &harbor).unwrap();
    logbook::export_run(&harbor, &run_id).unwrap().unwrap()
}

fn assert_same_document(original: &str, again: &str, what: &str) {
    let (a, b) = (
        with_fact_ids_renamed(original),
        with_fact_ids_renamed(again),
    );
    assert!(
        a.same(&b, true) && a == b,
        "{what}: the round trip changed the document:\n{again}"
    );
}

#[test]
fn every_recorded_logbook_round_trips() {
    for fixture in fixtures::recorded() {
        let again = round_trip(fixture.logbook);
        assert_same_document(fixture.logbook, &again, fixture.scenario);
    }
}

#[test]
fn a_logbook_of_chaos_before_0_7_round_trips_in_its_own_shape() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/examples/chaos_logbook_docs_example.json"
    );
    let text = std::fs::read_to_string(path).expect("the example logbook of ../shared/examples");
    let again = round_trip(&text);
    assert!(!again.contains("secrets_required"), "{again}");
    assert_same_document(&text, &again, "the docs example");
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
