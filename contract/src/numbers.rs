//! Numbers as the Logbook computes them: Python's `round(x, 4)`, and a sum that loses nothing.

/// Rounds as Python's `round(x, 4)` does: to the nearest of the exact value, ties to even.
pub fn python_round4(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // Rust's fixed-precision formatting is exact with ties to even, as CPython's.
    format!("{x:.4}").parse().unwrap_or(x)
}

/// Neumaier's summation: the exact sum to within an ulp (Python 3.12's `sum()` of floats).
pub fn compensated_sum(durations: impl IntoIterator<Item = f64>) -> f64 {
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
    // As CPython 3.12: the compensation only when it is finite.
    match compensation.is_finite() {
        true => sum + compensation,
        false => sum,
    }
}
