//! Where two reads first differ, told as a person tells it: a list whose records come back in
//! another order, or with records missing or extra; a field changed, by its name and path.

use limani_contract::Exact;

use super::failure::Disagreement;
use crate::model::{rules, Rule};
use limani_fixtures::shorten;

pub(super) enum Difference<'a> {
    Lists(&'a [Exact], &'a [Exact]),
    Values(&'a Exact, &'a Exact),
}

/// The first place two documents differ, keys matched by name; a list whose items are the same
/// up to order, or one with items missing or extra, is a difference of the list itself.
pub(super) fn first_difference<'a>(
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

/// `run`: the id of the run the read is about, when the document names it (run data does).
pub(super) fn of_lists(
    path: &[String],
    expected: &[Exact],
    actual: &[Exact],
    run: Option<&Exact>,
) -> Disagreement {
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
    // Rows of two runs, or of a run other than the one read (or than the expected rows').
    let other_run = |items: &[Exact]| {
        let runs: Vec<Option<&Exact>> = items.iter().map(|i| i.get("run_id")).collect();
        let read = run.or_else(|| expected.iter().find_map(|i| i.get("run_id")));
        runs.windows(2).any(|w| w[0] != w[1])
            || runs
                .iter()
                .flatten()
                .any(|r| read.is_some_and(|read| read != *r))
    };
    // A fact log lost is lost whichever read shows it.
    let kind = what.trim_end_matches(" of the timespan");
    if is_sub(&ka, &ke) {
        let missing: Vec<Exact> = missing_items(expected, actual);
        return Disagreement::new(
            Rule::AcknowledgedIsKept,
            format!("{kind} missing"),
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
            format!("{kind} extra"),
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

pub(super) fn of_values(path: &[String], e: &Exact, a: &Exact, whole: &Exact) -> Disagreement {
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
            _ => Disagreement {
                said: "the run is gone: the read gives None for a run that was written".into(),
                ..super::cause::run_gone()
            },
        };
    }
    let unpaired = |v: &Exact| matches!(v, Exact::Str(s) if s.starts_with("<an id"));
    if unpaired(a) || unpaired(e) {
        let host_id = field == "host_id" || (field == "id" && path.iter().any(|p| p == ".hosts"));
        if host_id {
            let said = format!("{at}: a host id get_or_create_host did not give for this host: expected {es} — got {as_}");
            return super::failed_call::inconsistent_host_id(said);
        }
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
