//! The rules of the Logbook contract, each written once, as a function.
//! `MemoryLimani` applies them; checks compare harbors with it, never restate them.

use std::cmp::Ordering;

pub use limani_contract::numbers::{compensated_sum, python_round4};
use limani_contract::Exact;

use crate::error::{ErrorKind, LimaniError, Result};
use crate::records::SummaryStats;

/// A fact log is in a timespan when `start <= timestamp < end` (half-open).
pub fn in_timespan(timestamp: f64, start: f64, end: f64) -> bool {
    start <= timestamp && timestamp < end
}

/// Records with equal timestamps may come in any order: the Logbook stamps them with time.time(),
/// whose values never tie in a real run. Insertion order among ties is recommended
/// (`records::ties_in_insertion_order`). Puts each run of equal timestamps, as listed, in one
/// canonical order (by `key`), so that two lists equal up to the order of ties become equal.
pub fn ties_in_canonical_order<T>(
    items: &mut [T],
    timestamp: impl Fn(&T) -> f64,
    key: impl Fn(&T) -> String,
) {
    let mut start = 0;
    while start < items.len() {
        let t = timestamp(&items[start]).to_bits();
        let len = items[start..]
            .iter()
            .take_while(|x| timestamp(x).to_bits() == t)
            .count();
        items[start..start + len].sort_by_cached_key(&key);
        start += len;
    }
}

/// Reads list records by timestamp, then in insertion order (by id).
pub fn time_then_insertion(a: (f64, i64), b: (f64, i64)) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then(a.1.cmp(&b.1))
}

/// Total duration is Python's `round(x, 4)` of the sum of the run's durations, `0.0` when none.
/// The model sums exactly (compensated); a harbor may sum in any order (Ch-rima's `SUM` follows
/// SQLite's scan and version), see [`total_duration_accepted`].
pub fn total_duration(durations: impl IntoIterator<Item = f64>) -> f64 {
    round4_or_zero(compensated_sum(durations))
}

fn round4_or_zero(total: f64) -> f64 {
    if total == 0.0 {
        0.0
    } else {
        python_round4(total)
    }
}

/// A harbor's total duration is right when it is `round(s, 4)` (or `0.0` for `s == 0`) of a sum
/// `s` that some order of floating-point summation can give: within `n · 2⁻⁵³ · Σ|d|` of the exact
/// sum. Only totals on a rounding boundary have two answers; an unrounded total has none.
pub fn total_duration_accepted(total: f64, durations: &[f64]) -> bool {
    let exact = compensated_sum(durations.iter().copied());
    let slack =
        durations.len() as f64 * f64::EPSILON * durations.iter().map(|d| d.abs()).sum::<f64>();
    let (lo, hi) = (round4_or_zero(exact - slack), round4_or_zero(exact + slack));
    let rounded = total == round4_or_zero(total);
    rounded && lo <= total && total <= hi
}

/// Run data may list a run's hosts in any order: the export keys hosts by name, in the order the
/// harbor gives. Listing them in creation order is recommended (`run_data::hosts_in_creation_order`).
/// Puts a harbor's hosts in the model's order, by name (names are unique in a run); the others,
/// in their order, where the model's hosts no name matched are (a name changed stays in place).
pub fn hosts_in_model_order<T>(
    hosts: Vec<T>,
    model_names: &[&str],
    name: impl Fn(&T) -> &str,
) -> Vec<T> {
    let position = |h: &T| model_names.iter().position(|m| *m == name(h));
    let matched: Vec<usize> = hosts.iter().filter_map(position).collect();
    let mut gaps = (0..).filter(|i| !matched.contains(i));
    let mut ranked: Vec<(usize, T)> = (hosts.into_iter())
        .map(|h| {
            (
                position(&h).unwrap_or_else(|| gaps.next().unwrap_or(usize::MAX)),
                h,
            )
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, h)| h).collect()
}

/// Summary stats count a run's operations; successful = total - failed; zeros for an unknown run.
pub fn summary_stats(operations: impl IntoIterator<Item = (bool, bool, f64)>) -> SummaryStats {
    let (mut total, mut changed, mut failed, mut durations) = (0, 0, 0, Vec::new());
    for (was_changed, succeeded, duration) in operations {
        total += 1;
        changed += i64::from(was_changed);
        failed += i64::from(!succeeded);
        durations.push(duration);
    }
    SummaryStats {
        total_operations: total,
        changed_operations: changed,
        successful_operations: total - failed,
        failed_operations: failed,
        total_duration: total_duration(durations),
    }
}

/// Times and durations are finite: a NaN or infinite one is rejected as an invalid value.
pub fn finite(field: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(LimaniError::invalid(
            field,
            format!("{value} is not a finite number of seconds"),
        ))
    }
}

/// Timespan bounds may be infinite but not NaN.
pub fn timespan_bounds(start: f64, end: f64) -> Result<()> {
    for (field, value) in [("start_time", start), ("end_time", end)] {
        if value.is_nan() {
            return Err(LimaniError::invalid(field, "NaN is not a time"));
        }
    }
    Ok(())
}

/// Floats round-trip exactly: the same bits, except that the sign of zero need not be kept.
pub fn same_float(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a == 0.0 && b == 0.0)
}

/// JSON is kept exactly: same keys, strings, numbers of the same kind and value, as Python's
/// `json.loads` reads them (an integer never equals a float; `-0` is `0`); key order aside.
pub fn same_json(a: &Exact, b: &Exact) -> bool {
    a.same(b, false)
}

/// JSON objects also keep their keys in the order they were given (recommended: jsonb does not).
pub fn same_json_and_key_order(a: &Exact, b: &Exact) -> bool {
    a.same(b, true)
}

/// An update (`start_update_run`, `end_run_update`) of an unknown run creates nothing: the harbor
/// may ignore it, or reject it with `UnknownRun` or with the error the model gives its values
/// (Ch-rima's `UPDATE` matches no row, so its CHECK on the status never fires).
pub fn unknown_run_update_allowed(harbor: &Result<()>, model: &Result<()>) -> bool {
    match (harbor, model) {
        (Ok(()), _) => true,
        (Err(h), Err(m)) => h.kind() == ErrorKind::UnknownRun || h.kind() == m.kind(),
        (Err(h), Ok(())) => h.kind() == ErrorKind::UnknownRun,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0.03125, 0.0312)]
    #[case(0.00005, 0.0001)]
    #[case(1.00005, 1.0001)]
    #[case(0.30000000000000004, 0.3)]
    #[case(2.675, 2.675)]
    #[case(0.12345, 0.1235)]
    #[case(-0.00015, -0.0001)]
    fn rounds_like_python(#[case] x: f64, #[case] expected: f64) {
        assert_eq!(python_round4(x), expected);
    }

    #[rstest]
    #[case(&[], 0.0)]
    #[case(&[0.1, 0.2], 0.3)]
    #[case(&[0.0997, 0.1234, 0.333], 0.5561)]
    #[case(&[1e16, 1.0, -1e16], 1.0)]
    fn total_duration_is_rounded_compensated_sum(#[case] durations: &[f64], #[case] expected: f64) {
        assert_eq!(total_duration(durations.iter().copied()), expected);
    }

    #[rstest]
    #[case(&[0.1, 0.2, 0.0997, 0.00005], 0.3997, true)]
    #[case(&[0.1, 0.2, 0.0997, 0.00005], 0.3998, true)]
    #[case(&[0.1, 0.2, 0.0997, 0.00005], 0.39975000000000005, false)]
    #[case(&[0.1, 0.2, 0.0997, 0.00005], 0.3996, false)]
    #[case(&[1.5, 0.2, 1.5, 0.00005, 0.1], 3.3, true)]
    #[case(&[1.5, 0.2, 1.5, 0.00005, 0.1], 3.3001, true)]
    #[case(&[0.1234, 0.5], 0.6234, true)]
    #[case(&[0.1234, 0.5], 0.6235, false)]
    #[case(&[], 0.0, true)]
    #[case(&[], 0.0001, false)]
    fn total_duration_may_be_summed_in_any_order(
        #[case] durations: &[f64],
        #[case] total: f64,
        #[case] accepted: bool,
    ) {
        assert_eq!(total_duration_accepted(total, durations), accepted);
    }

    #[test]
    fn only_ties_are_reordered() {
        let mut items = vec![(2.0, "b"), (1.0, "z"), (1.0, "a"), (2.0, "a")];
        ties_in_canonical_order(&mut items, |x| x.0, |x| x.1.to_owned());
        assert_eq!(items, [(2.0, "b"), (1.0, "a"), (1.0, "z"), (2.0, "a")]);
    }

    #[test]
    fn hosts_are_matched_by_name() {
        let hosts = vec!["db", "web", "@local", "stray"];
        let sorted = hosts_in_model_order(hosts, &["@local", "web", "db"], |h| h);
        assert_eq!(sorted, ["@local", "web", "db", "stray"]);
    }

    #[test]
    fn an_unknown_run_update_may_be_ignored_or_rejected_either_way() {
        let unknown = || Err(LimaniError::UnknownRun { run_id: "r".into() });
        let invalid = || {
            Err(LimaniError::InvalidStatus {
                status: "done".into(),
            })
        };
        assert!(unknown_run_update_allowed(&Ok(()), &invalid()));
        assert!(unknown_run_update_allowed(&unknown(), &invalid()));
        assert!(unknown_run_update_allowed(&invalid(), &invalid()));
        assert!(unknown_run_update_allowed(&unknown(), &unknown()));
        assert!(!unknown_run_update_allowed(&invalid(), &unknown()));
    }

    #[rstest]
    #[case(1.0, 1.0, 2.0, true)]
    #[case(2.0, 1.0, 2.0, false)]
    #[case(0.9999999999999999, 1.0, 2.0, false)]
    #[case(1.9999999999999998, 1.0, 2.0, true)]
    #[case(1.5, 2.0, 1.0, false)]
    fn timespan_is_half_open(
        #[case] ts: f64,
        #[case] start: f64,
        #[case] end: f64,
        #[case] inside: bool,
    ) {
        assert_eq!(in_timespan(ts, start, end), inside);
    }

    #[rstest]
    #[case(r#"{"a": 1, "b": 2}"#, r#"{"b": 2, "a": 1}"#, true)]
    #[case(r#"{"a": 1, "b": 2}"#, r#"{"a": 1, "c": 2}"#, false)]
    #[case("1", "1.0", false)]
    #[case("1e16", "1e+16", true)]
    #[case("18446744073709551617", "18446744073709551616", false)]
    #[case("-0", "0", true)]
    #[case(r#""""#, "null", false)]
    fn json_is_compared_exactly(#[case] a: &str, #[case] b: &str, #[case] same: bool) {
        let (a, b) = (Exact::parse(a).unwrap(), Exact::parse(b).unwrap());
        assert_eq!(same_json(&a, &b), same);
    }

    #[test]
    fn key_order_is_compared_on_request() {
        let a = Exact::parse(r#"{"a": 1, "b": [{"x": 1, "y": 2}]}"#).unwrap();
        let b = Exact::parse(r#"{"a": 1, "b": [{"y": 2, "x": 1}]}"#).unwrap();
        assert!(same_json(&a, &b) && !same_json_and_key_order(&a, &b));
    }

    #[test]
    fn zero_sign_is_not_required() {
        assert!(same_float(-0.0, 0.0));
        assert!(!same_float(0.1, 0.1f32 as f64));
    }
}
