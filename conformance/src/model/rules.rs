//! The rules of the Logbook contract, each written once, as a function.
//! `MemoryLimani` applies them; checks compare harbors with it, never restate them.

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{ErrorKind, LimaniError, Result};
use crate::records::SummaryStats;

/// A fact log is in a timespan when `start <= timestamp < end` (half-open).
pub fn in_timespan(timestamp: f64, start: f64, end: f64) -> bool {
    start <= timestamp && timestamp < end
}

/// Reads list records by timestamp, then in insertion order (by id).
pub fn time_then_insertion(a: (f64, i64), b: (f64, i64)) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then(a.1.cmp(&b.1))
}

/// Rounds as Python's `round(x, 4)` does: to the nearest of the exact value, ties to even.
pub fn python_round4(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's fixed-precision formatting is exact with ties to even, as CPython's.
    format!("{x:.4}").parse().unwrap_or(x)
}

/// Total duration is Python's `round(x, 4)` of the sum of the run's durations, `0.0` when none.
/// The sum may be taken left to right in insertion order (Python <= 3.11, SQLite < 3.43) or
/// compensated (Python >= 3.12, SQLite >= 3.43): Ch-rima's `round(SUM(duration), 4)` gives either.
/// Returns the accepted totals: `[compensated, left to right]`.
pub fn total_durations(durations: impl IntoIterator<Item = f64>) -> [f64; 2] {
    // Neumaier summation beside the plain sum.
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for x in durations {
        let t = sum + x;
        compensation += if sum.abs() >= x.abs() {
            (sum - t) + x
        } else {
            (x - t) + sum
        };
        sum = t;
    }
    let round = |total: f64| {
        if total == 0.0 {
            0.0
        } else {
            python_round4(total)
        }
    };
    [round(sum + compensation), round(sum)]
}

/// The total duration the model reports: the compensated one of [`total_durations`].
pub fn total_duration(durations: impl IntoIterator<Item = f64>) -> f64 {
    total_durations(durations)[0]
}

/// A harbor's total duration is right when it is one of the accepted totals, bit for bit.
pub fn total_duration_accepted(total: f64, accepted: [f64; 2]) -> bool {
    accepted.iter().any(|a| same_float(total, *a))
}

/// Run data may list a run's hosts in any order: the export keys hosts by name, in the order the
/// harbor gives. Listing them in creation order is recommended (`run_data::hosts_in_creation_order`).
/// Puts a harbor's hosts in the model's order, by name (names are unique in a run); others last.
pub fn hosts_in_model_order<T>(
    hosts: Vec<T>,
    model_names: &[&str],
    name: impl Fn(&T) -> &str,
) -> Vec<T> {
    let rank = |h: &T| {
        let n = name(h);
        model_names
            .iter()
            .position(|m| *m == n)
            .unwrap_or(usize::MAX)
    };
    let mut hosts = hosts;
    hosts.sort_by_key(|h| rank(h));
    hosts
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

/// JSON is kept exactly: same keys, strings, numbers of the same kind and value (key order aside).
pub fn same_json(a: &Value, b: &Value) -> bool {
    json_equal(a, b, false)
}

/// JSON objects also keep their keys in the order they were given (recommended: jsonb does not).
pub fn same_json_and_key_order(a: &Value, b: &Value) -> bool {
    json_equal(a, b, true)
}

fn json_equal(a: &Value, b: &Value, key_order: bool) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(&x.to_string(), &y.to_string()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y, key_order))
        }
        (Value::Object(x), Value::Object(y)) if key_order => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && json_equal(vx, vy, key_order))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, vx)| y.get(k).is_some_and(|vy| json_equal(vx, vy, key_order)))
        }
        _ => a == b,
    }
}

/// Integers compare by exact value, floats by their nearest double; an integer never equals a float.
fn same_number(x: &str, y: &str) -> bool {
    let is_float = |s: &str| s.contains(['.', 'e', 'E']);
    match (is_float(x), is_float(y)) {
        (false, false) => {
            x == y || (x.trim_start_matches('-') == "0" && y.trim_start_matches('-') == "0")
        }
        (true, true) => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(a), Ok(b)) => same_float(a, b),
            _ => x == y,
        },
        _ => false,
    }
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
    use serde_json::json;

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
    #[case(&[0.1, 0.2, 0.0997, 0.00005], [0.3997, 0.3998])]
    #[case(&[1e16, 1.0, -1e16], [1.0, 0.0])]
    #[case(&[], [0.0, 0.0])]
    fn total_duration_may_also_be_the_left_to_right_sum(
        #[case] durations: &[f64],
        #[case] accepted: [f64; 2],
    ) {
        assert_eq!(total_durations(durations.iter().copied()), accepted);
        assert!(accepted
            .iter()
            .all(|&a| total_duration_accepted(a, accepted)));
        assert!(!total_duration_accepted(0.39975000000000005, accepted));
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
    #[case(json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1}), true)]
    #[case(json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2}), false)]
    #[case(json!(1), json!(1.0), false)]
    #[case(serde_json::from_str("1e16").unwrap(), serde_json::from_str("1e+16").unwrap(), true)]
    #[case(serde_json::from_str("18446744073709551617").unwrap(), serde_json::from_str("18446744073709551616").unwrap(), false)]
    #[case(serde_json::from_str("-0").unwrap(), json!(0), true)]
    #[case(json!(""), Value::Null, false)]
    fn json_is_compared_exactly(#[case] a: Value, #[case] b: Value, #[case] same: bool) {
        assert_eq!(same_json(&a, &b), same);
    }

    #[test]
    fn key_order_is_compared_on_request() {
        let (a, b) = (
            json!({"a": 1, "b": [{"x": 1, "y": 2}]}),
            json!({"a": 1, "b": [{"y": 2, "x": 1}]}),
        );
        assert!(same_json(&a, &b) && !same_json_and_key_order(&a, &b));
    }

    #[test]
    fn zero_sign_is_not_required() {
        assert!(same_float(-0.0, 0.0));
        assert!(!same_float(0.1, 0.1f32 as f64));
    }
}
