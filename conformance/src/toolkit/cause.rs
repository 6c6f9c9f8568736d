//! The usual causes of a difference, named so that a report can say one defect once: a row at
//! the end of a timespan, floats kept in single precision, strings cut short. A diagnosis, not
//! a rule: the rules are in `model::rules`, and a difference with no usual cause has none here.

use limani_contract::Exact;

use super::failure::Disagreement;
use crate::error::Result;
use crate::model::rules::same_float;
use crate::model::Rule;
use crate::records::{FactLog, SummaryStats};

/// Floats stored in 4 bytes: the usual cause of many differences at once.
pub const SINGLE_PRECISION: &str =
    "floats kept in single precision (f32, a 4-byte REAL): keep all 64 bits";
const MICROSECONDS: &str =
    "times rounded to microseconds (a timestamp type): keep the float's every bit";
/// A run the harbor acknowledged and then does not have.
pub const RUN_GONE: &str = "the run is gone";
const START_EXCLUSIVE: &str = "the row at start_time is missing: the window's start is inclusive";

/// `init_db`'s tables missing for another thread's connection: a store per connection.
pub const STORE_PER_THREAD: &str =
    "a store per thread: the tables init_db made are not there for another thread's connection \
     (SQLite `:memory:` opens a new empty database per connection): keep one store for every \
     thread, as the Logbook's writer thread writes where its main thread ran init_db";

/// A run the harbor lost; a store per thread (when a check shows one) loses every run too.
pub fn run_gone() -> Disagreement {
    Disagreement {
        also: vec![(Rule::AcknowledgedIsKept, STORE_PER_THREAD.to_owned())],
        ..Disagreement::new(Rule::AcknowledgedIsKept, RUN_GONE, RUN_GONE)
    }
}

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

/// The disagreement of a usual cause (`cause::of_*`): its words are its way.
pub fn usual(usual: &str) -> Disagreement {
    Disagreement::new(rule_of_usual(usual), usual, usual)
}

/// What a timespan read most likely did wrong: `rows` are what the harbor gave, `expected`
/// what the contract gives (may be empty when not known).
pub fn of_timespan(
    rows: &[FactLog],
    expected: &[FactLog],
    run_id: &str,
    start: f64,
    end: f64,
) -> Option<&'static str> {
    if rows.iter().any(|f| f.run_id != run_id) {
        return Some("rows of another run: a timespan reads one run");
    }
    // Every row on the f32 grid while the times asked about are not: a 4-byte store.
    let single = |t: f64| same_float(f64::from(t as f32), t);
    let mut asked = (expected.iter().map(|f| f.timestamp))
        .chain([start, end])
        .filter(|t| t.is_finite());
    if !rows.is_empty() && rows.iter().all(|f| single(f.timestamp)) && asked.any(|t| !single(t)) {
        return Some(SINGLE_PRECISION);
    }
    let times = || rows.iter().map(|f| f.timestamp);
    if times().any(|t| same_float(t, end) && t >= start) {
        return Some("a row at end_time: the window's end is exclusive");
    }
    if times().any(|t| t < start) {
        return Some("a row before start_time: the window's start is inclusive");
    }
    if times().any(|t| t > end) {
        return Some("a row after end_time: the window ends at end_time");
    }
    let has = |t: f64| times().any(|r| same_float(r, t));
    // (With no row at all, rows are lost, not the window's start.)
    let start_missing = expected
        .iter()
        .any(|f| same_float(f.timestamp, start) && !has(f.timestamp));
    if start_missing && !rows.is_empty() {
        return Some(START_EXCLUSIVE);
    }
    if rows.windows(2).any(|w| w[0].timestamp > w[1].timestamp) {
        return Some("rows out of timestamp order: a timespan lists its rows by time");
    }
    None
}

/// What else gives exactly the harbor's `rows` of the window [start, end) when rows of
/// `expected` are lost: times kept in f32 or in microseconds, whose rows fall outside it, or a
/// window that leaves out its start. A lost row is then that defect's, when a check shows it.
pub fn also_of_timespan(
    rows: &[FactLog],
    expected: &[FactLog],
    start: f64,
    end: f64,
) -> Vec<Disagreement> {
    if rows.len() >= expected.len() {
        return Vec::new();
    }
    let within = |t: f64| (start..end).contains(&t);
    let kept = |cause: &str, t: f64| match cause {
        SINGLE_PRECISION => within(f64::from(t as f32)),
        MICROSECONDS => within((t * 1e6).round() / 1e6),
        _ => t != start,
    };
    let hypotheses = [SINGLE_PRECISION, MICROSECONDS, START_EXCLUSIVE].into_iter();
    let explained = hypotheses.filter_map(|cause| {
        let predicted: Vec<&FactLog> = (expected.iter())
            .filter(|f| kept(cause, f.timestamp))
            .collect();
        let lost = predicted.len() == rows.len();
        let same = predicted
            .iter()
            .zip(rows)
            .all(|(p, r)| p.command == r.command);
        (lost && same).then(|| usual(cause))
    });
    explained.collect()
}

/// A run the harbor lost sums to the zeros of a run never made: when the harbor's summary is
/// those zeros and the contract's is not, the run is gone (when a check shows that).
pub fn also_of_summaries(
    summary: &Result<SummaryStats>,
    expected: &Result<SummaryStats>,
) -> Vec<Disagreement> {
    let zeros = crate::model::rules::summary_stats([]);
    match (summary, expected) {
        (Ok(s), Ok(e)) if *s == zeros && *e != zeros => {
            vec![run_gone()]
        }
        _ => Vec::new(),
    }
}

/// [`also_of_timespan`] of two reads, when both gave rows.
pub fn also_of_reads(
    rows: &Result<Vec<FactLog>>,
    expected: &Result<Vec<FactLog>>,
    start: f64,
    end: f64,
) -> Vec<Disagreement> {
    match (rows, expected) {
        (Ok(rows), Ok(expected)) => also_of_timespan(rows, expected, start, end),
        _ => Vec::new(),
    }
}

/// What a failed call's error most likely says about the harbor, when it is a usual defect:
/// tables that `init_db` made and another thread does not see (a store per connection).
pub fn of_error(what: &str) -> Option<&'static str> {
    what.contains("no such table").then_some(STORE_PER_THREAD)
}

/// What the first differing value of two documents most likely went through, when it is one
/// of the usual lossy stores: single precision, microseconds, a float for an integer, a cut.
pub fn of_values(expected: &Exact, actual: &Exact) -> Option<&'static str> {
    let (e, a) = first_difference(expected, actual)?;
    // The same floats, moved (a reordering), not changed by a store.
    if matches!(a, Exact::Float(_)) && floats(expected) == floats(actual) {
        return None;
    }
    match (e, a) {
        (Exact::Float(e), Exact::Float(a)) if same_float(f64::from(*e as f32), *a) => {
            Some(SINGLE_PRECISION)
        }
        (Exact::Float(e), Exact::Float(a)) if same_float((e * 1e6).round() / 1e6, *a) => {
            Some(MICROSECONDS)
        }
        (Exact::Int(_), Exact::Float(_)) => {
            Some("an integer read back as a float: keep JSON numbers as they were written")
        }
        (Exact::Int(e), Exact::Int(a))
            if e.len() > 15 && e.parse::<f64>().ok() == a.parse::<f64>().ok() =>
        {
            Some("a big integer passed through a float: keep JSON integers as text or i64")
        }
        (Exact::Str(e), Exact::Str(a)) if a.len() < e.len() && e.starts_with(a.as_str()) => {
            Some("a string cut short: keep text whole (no VARCHAR(n), no cut)")
        }
        (Exact::Str(e), Exact::Str(a)) if !e.is_ascii() && *a == ascii_only(e) => {
            Some("non-ASCII characters read back as '?' (a Latin-1 connection or column): keep text as UTF-8")
        }
        (Exact::Str(e), Exact::Str(a)) if e.contains('\'') && *a == e.replace('\'', "''") => {
            Some("single quotes doubled (hand-made SQL escaping): pass values as parameters")
        }
        (Exact::Str(e), Exact::Null) if e.is_empty() => {
            Some("empty strings read back as null: keep '' as ''")
        }
        _ => None,
    }
}

/// The bits of every float of `doc`, sorted.
fn floats(doc: &Exact) -> Vec<u64> {
    fn walk(doc: &Exact, out: &mut Vec<u64>) {
        match doc {
            Exact::List(items) => items.iter().for_each(|d| walk(d, out)),
            Exact::Object(fields) => fields.iter().for_each(|(_, d)| walk(d, out)),
            Exact::Float(x) => out.push(x.to_bits()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out.sort_unstable();
    out
}

/// Whether `b` holds exactly the items of `a`, each as often.
fn reordered(a: &[Exact], b: &[Exact]) -> bool {
    let mut left: Vec<&Exact> = b.iter().collect();
    a.len() == b.len()
        && a.iter().all(|x| match left.iter().position(|y| *y == x) {
            Some(i) => {
                left.swap_remove(i);
                true
            }
            None => false,
        })
}

/// `text` with every non-ASCII character as '?'.
fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect()
}

/// The first pair of leaves where two documents differ, keys matched by name.
fn first_difference<'a>(e: &'a Exact, a: &'a Exact) -> Option<(&'a Exact, &'a Exact)> {
    match (e, a) {
        // The same items in another order: a reordering, not a lossy value.
        (Exact::List(es), Exact::List(as_)) if es != as_ && reordered(es, as_) => Some((e, a)),
        (Exact::List(es), Exact::List(as_)) => {
            let inner = es.iter().zip(as_).find_map(|(e, a)| first_difference(e, a));
            inner.or_else(|| (es.len() != as_.len()).then_some((e, a)))
        }
        // A key missing is the object changed, not a value read back as null.
        (Exact::Object(es), Exact::Object(_)) => es.iter().find_map(|(key, ev)| match a.get(key) {
            Some(av) => first_difference(ev, av),
            None => Some((e, a)),
        }),
        (Exact::Float(x), Exact::Float(y)) if same_float(*x, *y) => None,
        _ if e == a => None,
        _ => Some((e, a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Exact {
        Exact::parse(text).unwrap()
    }

    #[test]
    fn lossy_stores_are_named() {
        let t = 1769462954.5272543_f64;
        let cases = [
            (
                format!("{{\"t\": {t:?}}}"),
                format!("{{\"t\": {:?}}}", f64::from(t as f32)),
                "single precision",
            ),
            (
                format!("{{\"t\": {t:?}}}"),
                format!("{{\"t\": {:?}}}", (t * 1e6).round() / 1e6),
                "microseconds",
            ),
            (
                "[1, 9223372036854775807]".into(),
                "[1, 9223372036854775808]".into(),
                "through a float",
            ),
            (
                "{\"n\": 3}".into(),
                "{\"n\": 3.0}".into(),
                "integer read back as a float",
            ),
            ("[\"abcdef\"]".into(), "[\"abc\"]".into(), "cut short"),
        ];
        for (e, a, said) in cases {
            let cause = of_values(&doc(&e), &doc(&a));
            assert!(
                cause.is_some_and(|c| c.contains(said)),
                "{e} vs {a}: {cause:?}"
            );
        }
        assert_eq!(of_values(&doc("{\"a\": 1}"), &doc("{\"a\": 2}")), None);
        assert_eq!(of_values(&doc("[1.5]"), &doc("[1.5]")), None);
    }

    /// Fact logs of `run` at `times`.
    fn rows(run: &str, times: &[f64]) -> Vec<FactLog> {
        let row = |(i, t): (usize, &f64)| FactLog {
            id: i as i64,
            run_id: run.to_owned(),
            timestamp: *t,
            log_level: None,
            context: None,
            command: None,
        };
        times.iter().enumerate().map(row).collect()
    }

    #[test]
    fn timespan_causes_are_named() {
        let run = "r";
        let at_end = of_timespan(&rows(run, &[1.0, 2.0]), &rows(run, &[1.0]), run, 1.0, 2.0);
        assert!(at_end.unwrap().contains("end is exclusive"));
        let missing = of_timespan(&rows(run, &[1.5]), &rows(run, &[1.0, 1.5]), run, 1.0, 2.0);
        assert!(missing.unwrap().contains("start is inclusive"));
        let other = of_timespan(&rows("s", &[1.5]), &[], run, 1.0, 2.0);
        assert!(other.unwrap().contains("another run"));
        assert_eq!(
            of_timespan(&rows(run, &[1.0]), &rows(run, &[1.0]), run, 1.0, 2.0),
            None
        );
        let t = 1769463073.25_f64;
        let single = of_timespan(&rows(run, &[f64::from(t as f32)]), &[], run, t, t + 1.0);
        assert!(single.unwrap().contains("single precision"));
    }

    /// A row lost is explained by a lossy time only when that loss gives exactly these rows.
    #[test]
    fn a_lost_row_is_explained_only_by_what_gives_it() {
        let run = "r";
        let t = 1769462954.25_f64;
        let expected = rows(run, &[t, t + 0.5]);
        let said = |also: Vec<Disagreement>| also.into_iter().map(|d| d.way).collect::<Vec<_>>();
        // Both rows gone: times in f32 (128 s apart there) do it; an exclusive start keeps one.
        let none = said(also_of_timespan(&[], &expected, t, t + 1.0));
        assert_eq!(none, [SINGLE_PRECISION]);
        // Only the row at start gone: an exclusive start would do it; f32 would lose both.
        let second = rows(run, &[t + 0.5]);
        let start = said(also_of_timespan(&second, &expected, t, t + 1.0));
        assert_eq!(start, [START_EXCLUSIVE]);
        assert!(also_of_timespan(&expected, &expected, t, t + 1.0).is_empty());
    }

    /// Two operations a ulp apart given back swapped look like a rounded time; they are a reordering.
    #[test]
    fn a_reordering_is_no_lossy_value() {
        let (e, a) = (
            doc(r#"[{"t": 1769462953.9999998}, {"t": 1769462954.0}]"#),
            doc(r#"[{"t": 1769462954.0}, {"t": 1769462953.9999998}]"#),
        );
        assert_eq!(of_values(&e, &a), None);
        let (e, a) = (
            doc(r#"[{"id": 1, "t": 1769462953.9999998}, {"id": 2, "t": 1769462954.0}]"#),
            doc(r#"[{"id": 1, "t": 1769462954.0}, {"id": 2, "t": 1769462953.9999998}]"#),
        );
        assert_eq!(of_values(&e, &a), None);
    }
}
