//! Which rule a harbor's first disagreement with the model breaks, and how, said in the
//! Logbook's words: a reordering as the order of names, a changed field as that field alone
//! with its path, a refused call by what the contract says of it. Failures that disagree in
//! the same rule and way are one cause (`suite::report` groups them).

use limani_contract::Exact;

use super::failure::Disagreement;
use crate::error::{ErrorKind, LimaniError, Result};
use crate::model::{rules, Rule};
use crate::toolkit::shorten;

/// The rule a usual cause (`cause::of_*`) breaks.
fn rule_of_usual(usual: &str) -> Rule {
    match usual {
        u if u.contains("another run") => Rule::RunIsolated,
        u if u.contains("end_time") || u.contains("start_time") => Rule::InTimespan,
        u if u.contains("precision") || u.contains("microseconds") => Rule::SameFloat,
        u if u.contains("out of timestamp order") => Rule::TimeThenInsertion,
        u if u.contains("a store per thread") => Rule::AcknowledgedIsKept,
        _ => Rule::SameJson,
    }
}

/// A read whose answer (`actual`, ids renamed) differs from the model's (`expected`).
pub fn of_read(expected: &Exact, actual: &Exact, usual: Option<&str>) -> Disagreement {
    if let Some(usual) = usual {
        return Disagreement::new(rule_of_usual(usual), usual, usual);
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
        Some(Difference::Lists(e, a)) => of_lists(&path, e, a),
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
                ErrorKind::InvalidValue if method == "get_facts_for_timespan" => Rule::Finite,
                ErrorKind::InvalidValue => Rule::Finite,
                ErrorKind::UnknownRun | ErrorKind::UnknownHost => Rule::KnownRunAndHost,
                _ => Rule::SameOutcome,
            };
            let kind = kind_name(refused);
            Disagreement::new(
                rule,
                format!("{method} accepts what the contract refuses as {kind}"),
                format!("{method} accepts what the contract refuses as {kind}: {refused}"),
            )
        }
        (Err(error), Ok(())) if unreadable_field(error).is_some() => {
            let field = unreadable_field(error).unwrap_or_default();
            let rule = match field.rsplit('.').next() {
                Some("total_duration") => Rule::TotalDuration,
                _ => Rule::SameJson,
            };
            Disagreement::new(
                rule,
                field.clone(),
                format!(
                    "{method} returns {field} of a type the Logbook cannot read: {}",
                    shorten(&error.to_string(), 200, 60)
                ),
            )
        }
        (Err(error), Ok(())) => {
            let message = match error {
                LimaniError::Storage { message, .. } => normalized(message),
                other => kind_name(other),
            };
            Disagreement::new(
                Rule::SameOutcome,
                format!("fails: {message}"),
                format!(
                    "{method} fails where the contract accepts: {}",
                    shorten(&error.to_string(), 200, 60)
                ),
            )
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

/// The field of a result the bridge could not read (`invalid value for get_run_summary_stats
/// result: total_duration: ...`): a value the harbor returns wrong.
fn unreadable_field(error: &LimaniError) -> Option<String> {
    let LimaniError::InvalidValue { field, reason } = error else {
        return None;
    };
    if !field.ends_with(" result") {
        return None;
    }
    let name = reason.split(':').next()?.trim();
    (!name.is_empty() && !name.contains(' ')).then(|| name.to_owned())
}

/// `get_or_create_host` gave one host two ids (or one id to two hosts): said so by every check
/// that sees it, one cause.
pub fn inconsistent_host_id(said: impl Into<String>) -> Disagreement {
    Disagreement::new(
        Rule::OneHostPerName,
        "get_or_create_host gives an inconsistent id",
        said,
    )
}

/// A failure the check wrote itself (no read compared): its words without what differs from one
/// run to the next (run ids, numbers), under the rule of the check's group.
pub fn of_failure(group: &str, what: &str, usual: Option<&str>) -> Disagreement {
    if let Some(usual) = usual {
        return Disagreement::new(rule_of_usual(usual), usual, usual);
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

/// Text without the kit's run ids, numbers and quoted values: what stays the same when one
/// defect shows in another check.
pub fn normalized(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for word in text.split_inclusive([' ', '(', ')', ',', ':']) {
        let bare = word.trim_end_matches([' ', '(', ')', ',', ':']);
        let tail = &word[bare.len()..];
        if bare.starts_with('"') || quoted {
            quoted = !(bare.ends_with('"') && (bare.len() > 1 || quoted));
            out.push('…');
        } else if bare.contains("kit-") || bare.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(bare);
        }
        out.push_str(tail);
    }
    shorten(&out, 160, 0)
}

enum Difference<'a> {
    Lists(&'a [Exact], &'a [Exact]),
    Values(&'a Exact, &'a Exact),
}

/// The first place two documents differ, keys matched by name; a list whose items are the same
/// up to order, or one with items missing or extra, is a difference of the list itself.
fn first_difference<'a>(
    e: &'a Exact,
    a: &'a Exact,
    path: &mut Vec<String>,
) -> Option<Difference<'a>> {
    match (e, a) {
        (Exact::List(es), Exact::List(as_)) => {
            if rules::same_json(e, a) {
                return None;
            }
            let (ke, ka) = (sorted_keys(es), sorted_keys(as_));
            let in_order = es.iter().map(without_ids).eq(as_.iter().map(without_ids));
            // The same items in another order, or items missing or extra.
            let regrouped = ke == ka && !in_order;
            let short = es.len() != as_.len() && (is_sub(&ka, &ke) || is_sub(&ke, &ka));
            if regrouped || short {
                return Some(Difference::Lists(es, as_));
            }
            for (i, (ei, ai)) in es.iter().zip(as_).enumerate() {
                path.push(format!("[{i}]"));
                if let Some(found) = first_difference(ei, ai, path) {
                    return Some(found);
                }
                path.pop();
            }
            Some(Difference::Lists(es, as_))
        }
        // An object emptied (metrics dropped, say) differs as a whole, not by its first key.
        (Exact::Object(fields), Exact::Object(af)) if af.is_empty() && !fields.is_empty() => {
            Some(Difference::Values(e, a))
        }
        (Exact::Object(fields), Exact::Object(_)) => fields.iter().find_map(|(key, ev)| {
            path.push(format!(".{key}"));
            let found = match a.get(key) {
                Some(av) => first_difference(ev, av, path),
                None => Some(Difference::Values(ev, &Exact::Null)),
            };
            if found.is_none() {
                path.pop();
            }
            found
        }),
        _ if rules::same_json(e, a) => None,
        _ => Some(Difference::Values(e, a)),
    }
}

/// Each item as text without the ids each store numbers its own way, sorted.
fn sorted_keys(items: &[Exact]) -> Vec<String> {
    let mut keys: Vec<String> = items.iter().map(without_ids).collect();
    keys.sort();
    keys
}

fn without_ids(item: &Exact) -> String {
    match item {
        Exact::Object(fields) => {
            let kept = fields.iter().filter(|(k, _)| k != "id" && k != "host_id");
            Exact::Object(kept.cloned().collect()).to_text()
        }
        other => other.to_text(),
    }
}

/// Every item of `small` is in `big` (both sorted), as often.
fn is_sub(small: &[String], big: &[String]) -> bool {
    let mut big = big.iter().peekable();
    small.iter().all(|s| {
        while big.peek().is_some_and(|b| *b < s) {
            big.next();
        }
        big.next() == Some(s)
    })
}

/// What the records of a list at `path` are, in the Logbook's words.
fn records(path: &[String]) -> &'static str {
    match path.last().map(String::as_str) {
        Some(".operations") => "operations of a host",
        Some(".snapshots") => "snapshots",
        Some(".fact_logs") => "fact logs",
        Some(".hosts") => "hosts",
        None => "fact logs of the timespan",
        _ => "records",
    }
}

/// A record as a person tells it from the others: its name, command or stage, else its time.
fn label(item: &Exact) -> String {
    let text = ["name", "command", "stage", "host_name"]
        .iter()
        .find_map(|k| match item.get(k) {
            Some(Exact::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
    let time = item.get("timestamp").map(|t| format!("t={}", t.to_text()));
    let text = text.map(|t| shorten(&t, 24, 8));
    match (text, time) {
        (Some(t), Some(time)) => format!("{t} ({time})"),
        (Some(t), None) => t,
        (None, Some(time)) => time,
        (None, None) => shorten(&item.to_text(), 24, 8),
    }
}

fn labels(items: &[Exact]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(label).collect();
    let more = items.len().saturating_sub(5);
    match more {
        0 => shown.join(", "),
        n => format!("{}, … {n} more", shown.join(", ")),
    }
}

fn of_lists(path: &[String], expected: &[Exact], actual: &[Exact]) -> Disagreement {
    let what = records(path);
    let (ke, ka) = (sorted_keys(expected), sorted_keys(actual));
    if ke == ka {
        let rule = match what {
            "hosts" => Rule::HostsInCreationOrder,
            _ => Rule::TimeThenInsertion,
        };
        let order = match what {
            "hosts" => "creation order",
            _ => "timestamp order",
        };
        return Disagreement::new(
            rule,
            format!("{what} order"),
            format!(
                "{what} come back out of {order}: expected {} — got {}",
                labels(expected),
                labels(actual)
            ),
        );
    }
    let other_run = |items: &[Exact]| {
        let runs: Vec<Option<&Exact>> = items.iter().map(|i| i.get("run_id")).collect();
        runs.windows(2).any(|w| w[0] != w[1])
    };
    if is_sub(&ka, &ke) {
        let missing: Vec<Exact> = missing_items(expected, actual);
        return Disagreement::new(
            Rule::AcknowledgedIsKept,
            format!("{what} missing"),
            format!(
                "{} {what} written are not read back: {}",
                missing.len(),
                labels(&missing)
            ),
        );
    }
    if is_sub(&ke, &ka) {
        let extra: Vec<Exact> = missing_items(actual, expected);
        let rule = match what {
            _ if other_run(actual) => Rule::RunIsolated,
            "hosts" => Rule::OneHostPerName,
            _ => Rule::AcknowledgedIsKept,
        };
        return Disagreement::new(
            rule,
            format!("{what} extra"),
            format!(
                "{} {what} more than were written come back: {}",
                extra.len(),
                labels(&extra)
            ),
        );
    }
    Disagreement::new(
        Rule::SameJson,
        format!("{what} differ"),
        format!(
            "{what} differ: expected {} — got {}",
            labels(expected),
            labels(actual)
        ),
    )
}

/// The items of `all` that `some` lacks (ids aside), in `all`'s order.
fn missing_items(all: &[Exact], some: &[Exact]) -> Vec<Exact> {
    let mut left: Vec<String> = some.iter().map(without_ids).collect();
    all.iter()
        .filter(|item| {
            let key = without_ids(item);
            match left.iter().position(|k| *k == key) {
                Some(i) => {
                    left.remove(i);
                    false
                }
                None => true,
            }
        })
        .cloned()
        .collect()
}

fn of_values(path: &[String], e: &Exact, a: &Exact, whole: &Exact) -> Disagreement {
    let at: String = path.concat();
    let at = at.trim_start_matches('.');
    // The field by its name alone: one defect shows in any record of any read.
    let field: String = (path.iter().rev())
        .find(|p| !p.starts_with('['))
        .map_or("", |p| p.trim_start_matches('.'))
        .to_owned();
    let (es, as_) = (shorten(&e.to_text(), 60, 20), shorten(&a.to_text(), 60, 20));
    if path.is_empty() && (matches!(e, Exact::Null) || matches!(a, Exact::Null)) {
        return match e {
            Exact::Null => Disagreement::new(
                Rule::UnknownRunUpdate,
                "a run that was never created",
                format!("a run comes back that create_run never made: {as_}"),
            ),
            _ => Disagreement::new(
                Rule::AcknowledgedIsKept,
                "the run is gone",
                "the run is gone: the read gives None for a run that was written",
            ),
        };
    }
    let unpaired = |v: &Exact| matches!(v, Exact::Str(s) if s.starts_with("<an id"));
    if unpaired(a) || unpaired(e) {
        return Disagreement::new(
            Rule::OneHostPerName,
            format!("{field}: an id no other record pairs with"),
            format!("{at}: an id the harbor gave for another record: expected {es} — got {as_}"),
        );
    }
    let summary = whole.get("total_operations").is_some();
    match (field.as_str(), e, a) {
        ("total_duration", _, Exact::Float(y)) if rules::python_round4(*y) != *y => {
            Disagreement::new(
                Rule::TotalDuration,
                "total_duration",
                format!("total_duration is not rounded to 4 places: expected {es} — got {as_}"),
            )
        }
        ("total_duration", _, _) => Disagreement::new(
            Rule::TotalDuration,
            "total_duration",
            format!("total_duration is not round(sum, 4) of the run's durations: expected {es} — got {as_}"),
        ),
        _ if summary => Disagreement::new(
            Rule::SummaryStats,
            field.clone(),
            format!("{at} does not count the run's operations: expected {es} — got {as_}"),
        ),
        _ => Disagreement::new(Rule::SameJson, field.clone(), format!("{at}: expected {es} — got {as_}")),
    }
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
            (
                Rule::AcknowledgedIsKept,
                "fact logs of the timespan missing"
            )
        );
        let d = of_read(&a, &e, None);
        assert_eq!(d.way, "fact logs of the timespan extra");
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
