//! Which rule a harbor's first disagreement with the model breaks, and how, said in the
//! Logbook's words: a reordering as the order of names, a changed field as that field alone
//! with its path, a refused call by what the contract says of it. Failures that disagree in
//! the same rule and way are one cause (`suite::report` groups them).

use limani_contract::Exact;

pub use super::cause::usual;
use super::difference::{first_difference, of_lists, of_values, Difference};
pub use super::failed_call::{inconsistent_host_id, normalized};
use super::failure::Disagreement;
use crate::error::{ErrorKind, LimaniError, Result};
use crate::model::{rules, Rule};
use limani_fixtures::shorten;

/// A read whose answer (`actual`, ids renamed) differs from the model's (`expected`).
pub fn of_read(expected: &Exact, actual: &Exact, usual: Option<&str>) -> Disagreement {
    if let Some(usual) = usual {
        return super::cause::usual(usual);
    }
    if rules::same_json(expected, actual) {
        return Disagreement::new(
            Rule::KeyOrder,
            "key order",
            "JSON objects come back with their keys in another order (sorted, as jsonb stores them?)",
        );
    }
    let mut path = Vec::new();
    match first_difference(expected, actual, &mut path) {
        Some(Difference::Lists(e, a)) => {
            let run = expected.get("run").and_then(|r| r.get("id"));
            of_lists(&path, e, a, run)
        }
        Some(Difference::Values(e, a)) => of_values(&path, e, a, expected),
        None => Disagreement::new(Rule::SameJson, "the read", "the read differs"),
    }
}

/// A write or read that succeeded or failed where the model did otherwise.
pub fn of_outcome(method: &str, harbor: &Result<()>, model: &Result<()>) -> Disagreement {
    match (harbor, model) {
        (Ok(()), Err(refused)) => {
            let rule = match refused.kind() {
                ErrorKind::DuplicateRun => Rule::RunIdUnique,
                ErrorKind::InvalidStatus => Rule::ValidStatus,
                ErrorKind::InvalidValue => Rule::Finite,
                ErrorKind::UnknownRun | ErrorKind::UnknownHost => Rule::KnownRunAndHost,
                _ => Rule::SameOutcome,
            };
            let kind = kind_name(refused);
            // Whichever call accepts it: a harbor that does not refuse it.
            Disagreement::new(
                rule,
                format!("accepts what the contract refuses as {kind}"),
                format!("{method} accepts what the contract refuses as {kind}: {refused}"),
            )
        }
        (Err(error), Ok(())) => super::failed_call::of_error(method, error),
        // A storage error (a panic, say) or a harbor's refusal where the contract refuses otherwise
        // is still that error.
        (
            Err(error @ (LimaniError::Storage { .. } | LimaniError::InvalidValue { .. })),
            Err(refused),
        ) => {
            let d = super::failed_call::of_error(method, error);
            let said = format!(
                "{method} fails as {} where the contract gives {}",
                kind_name(error),
                kind_name(refused)
            );
            Disagreement::new(d.rule, d.way, said)
        }
        (Err(error), Err(refused)) => Disagreement::new(
            Rule::SameOutcome,
            format!("{method}: {} for {}", kind_name(error), kind_name(refused)),
            format!(
                "{method} fails as {} where the contract gives {}",
                kind_name(error),
                kind_name(refused)
            ),
        ),
        (Ok(()), Ok(())) => Disagreement::new(Rule::SameOutcome, method, method),
    }
}

fn kind_name(error: &LimaniError) -> String {
    error.kind().as_str().to_owned()
}

/// A failure the check wrote itself (no read compared): its words without what differs from one
/// run to the next (run ids, numbers), under the rule of the check's group.
pub fn of_failure(group: &str, what: &str, usual: Option<&str>) -> Disagreement {
    if let Some(usual) = usual {
        return super::cause::usual(usual);
    }
    if let Some(failed) = super::failed_call::in_text(what) {
        return failed;
    }
    if what.contains("timed out") {
        return Disagreement::new(Rule::Answers, "hangs", shorten(what, 200, 60));
    }
    let rule = match group {
        _ if what.contains("panicked") => Rule::Answers,
        "hosts" => Rule::OneHostPerName,
        "durability" | "concurrency" | "queue" => Rule::AcknowledgedIsKept,
        "timespan" => Rule::InTimespan,
        "summary" => Rule::SummaryStats,
        "lifecycle" if what.contains("status query") || what.contains("connect") => {
            Rule::StatusQuery
        }
        _ => Rule::SameOutcome,
    };
    Disagreement::new(rule, normalized(what), shorten(what, 200, 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Exact {
        Exact::parse(text).unwrap()
    }

    #[test]
    fn a_reordering_is_said_as_the_order_of_names() {
        let e = doc(
            r#"{"hosts": [{"name": "@local", "operations": [{"id": 3, "name": "b", "timestamp": 1.5}, {"id": 4, "name": "c", "timestamp": 2.0}, {"id": 1, "name": "a", "timestamp": 3.0}]}]}"#,
        );
        let a = doc(
            r#"{"hosts": [{"name": "@local", "operations": [{"id": 1, "name": "a", "timestamp": 3.0}, {"id": 3, "name": "b", "timestamp": 1.5}, {"id": 4, "name": "c", "timestamp": 2.0}]}]}"#,
        );
        let d = of_read(&e, &a, None);
        assert_eq!(
            (d.rule, d.way.as_str()),
            (Rule::TimeThenInsertion, "operations of a host order")
        );
        assert!(
            d.said
                .contains("expected b (t=1.5), c (t=2.0), a (t=3.0) — got a (t=3.0), b (t=1.5)"),
            "{}",
            d.said
        );
    }

    #[test]
    fn a_changed_field_is_said_alone_with_its_path() {
        let e = doc(r#"{"run": {"status": "failure", "hailer": {"user": "u"}}}"#);
        let a = doc(r#"{"run": {"status": "failure", "hailer": {}}}"#);
        let d = of_read(&e, &a, None);
        // An object emptied differs as a whole.
        assert_eq!((d.rule, d.way.as_str()), (Rule::SameJson, "hailer"));
        assert_eq!(d.said, "run.hailer: expected {\"user\":\"u\"} — got {}");
        let e = doc(r#"{"run": {"status": "failure", "hailer": {"user": "u", "host": "h"}}}"#);
        let a = doc(r#"{"run": {"status": "failure", "hailer": {"user": "u", "host": "H"}}}"#);
        let d = of_read(&e, &a, None);
        assert_eq!(d.said, "run.hailer.host: expected \"h\" — got \"H\"");
        let e = doc(r#"{"total_operations": 2, "total_duration": 0.3}"#);
        let a = doc(r#"{"total_operations": 2, "total_duration": 0.30000000000000004}"#);
        let d = of_read(&e, &a, None);
        assert_eq!(d.rule, Rule::TotalDuration);
        assert!(
            d.said
                .starts_with("total_duration is not rounded to 4 places"),
            "{}",
            d.said
        );
    }

    #[test]
    fn missing_and_extra_records_are_named() {
        let e = doc(r#"[{"id": 1, "command": "a"}, {"id": 2, "command": "b"}]"#);
        let a = doc(r#"[{"id": 1, "command": "a"}]"#);
        let d = of_read(&e, &a, None);
        assert_eq!(
            (d.rule, d.way.as_str()),
            (Rule::AcknowledgedIsKept, "fact logs missing")
        );
        let d = of_read(&a, &e, None);
        assert_eq!(d.way, "fact logs extra");
    }

    #[test]
    fn refusals_and_errors_are_one_cause_whatever_the_run() {
        let refused = Err(LimaniError::DuplicateRun { run_id: "r".into() });
        let d = of_outcome("create_run", &Ok(()), &refused);
        assert_eq!(d.rule, Rule::RunIdUnique);
        let storage = |run: &str| LimaniError::Storage {
            call: "insert_fact_log".into(),
            message: format!("no such table in \"{run}\" at 12"),
            source: None,
        };
        let (a, b) = (
            of_outcome("insert_fact_log", &Err(storage("kit-a-1")), &Ok(())),
            of_outcome("insert_operation", &Err(storage("kit-b-2")), &Ok(())),
        );
        assert_eq!(a.way, b.way);
        assert_eq!(
            normalized("timed out after 5 s in get_or_create_host(\"kit-x-1\", \"web\")"),
            "timed out after # s in get_or_create_host(…, …)"
        );
    }
}
