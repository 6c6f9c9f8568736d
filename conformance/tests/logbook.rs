//! v1 logbooks: imported into a harbor and exported again, the same document comes back (the
//! same keys in the same order, the same number text), fact ids up to a renaming.

use conformance::fixtures;
use conformance::logbook::{self, Logbook};
use conformance::{Exact, Limani, MemoryLimani};

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

/// `fixtures/written/contexts.logbook.json` is what its tool writes (`LIMANI_WRITE_FIXTURES=1`
/// writes it anew).
#[test]
fn the_written_logbook_is_what_its_tool_writes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/written/contexts.logbook.json"
    );
    let made = fixtures::written::contexts_logbook();
    if std::env::var_os("LIMANI_WRITE_FIXTURES").is_some() {
        std::fs::write(path, &made).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        made,
        "rerun with LIMANI_WRITE_FIXTURES=1"
    );
}

/// A logbook of Ch-aOS before 0.7 with fact logs of several contexts, some only inside an
/// operation's `command_n_fact_history`, some shared by two operations, some on a window's
/// edge, one list with a gap: every cross-reference survives import and export.
#[test]
fn a_logbook_of_chaos_before_0_7_round_trips_in_its_own_shape() {
    let text = fixtures::written::contexts_logbook();
    let doc = Exact::parse(&text).unwrap();
    let contexts = |rows: &Exact| -> Vec<String> {
        let Exact::List(rows) = rows else {
            panic!("not a list")
        };
        rows.iter()
            .map(|r| r.get("context").unwrap().to_text())
            .collect()
    };
    let history = contexts(doc.get("fact_history").unwrap());
    assert!(
        history.iter().all(|c| c == "\"fact_gathering\""),
        "{history:?}"
    );
    let Some(Exact::List(events)) = doc.get("streamed_history") else {
        panic!()
    };
    let inside: Vec<String> = (events.iter())
        .flat_map(|e| contexts(e.get("command_n_fact_history").unwrap()))
        .collect();
    assert!(
        inside.contains(&"\"running_command_on_web-1\"".to_owned()),
        "{inside:?}"
    );
    let again = round_trip(&text);
    assert!(!again.contains("secrets_required"), "{again}");
    assert_ne!(
        again, text,
        "the fact ids were not renamed: the test shows nothing"
    );
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
