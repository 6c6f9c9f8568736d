//! The report as JSON, for a CI: the verdict first, then where it came from, the counts and
//! every result (docs/report-format.md).

use serde::Serialize;

use super::{Report, Verdict, CONTRACT_REVISION};
use crate::model::Rule;
use crate::toolkit::Level;

#[derive(Serialize)]
struct Document<'a> {
    verdict: Verdict,
    kit: String,
    contract: &'static str,
    harbor: &'a str,
    date: String,
    strict: bool,
    counts: Counts,
    duration_ms: f64,
    not_run: &'a [String],
    /// What happened to the server the kit started, when it was lost during the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    server_lost: Option<&'a str>,
    results: Vec<Result<'a>>,
}

#[derive(Serialize)]
struct Counts {
    passed: usize,
    failed: usize,
    warned: usize,
    skipped: usize,
    not_run: usize,
}

#[derive(Serialize)]
struct Result<'a> {
    id: &'a str,
    group: &'a str,
    level: Level,
    status: &'static str,
    clause: &'a str,
    duration_ms: f64,
    /// For a failure: the id of the check its cause is shown by (the root names itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<&'a str>,
    /// For a failure: the rule of the contract its first disagreement breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
    /// For a failure: that disagreement in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    said: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    /// Every call that led to a failure, arguments and results whole.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    calls: &'a [String],
}

/// Now, as RFC 3339 in UTC (`2026-11-25T18:04:05Z`).
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // The civil date of a day count (Howard Hinnant's days_from_civil, inverted).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

impl Report {
    /// The report as pretty JSON, its `verdict` first (docs/report-format.md).
    pub fn to_json(&self) -> String {
        let document = Document {
            verdict: self.verdict(),
            kit: concat!("limani-kit ", env!("CARGO_PKG_VERSION")).to_owned(),
            contract: CONTRACT_REVISION,
            harbor: &self.harbor,
            date: utc_now(),
            strict: self.strict,
            counts: Counts {
                passed: self.tally("passed"),
                failed: self.tally("failed"),
                warned: self.tally("warned"),
                skipped: self.tally("skipped"),
                not_run: self.not_run.len(),
            },
            duration_ms: self.duration_ms,
            not_run: &self.not_run,
            server_lost: self.server_lost.as_deref(),
            results: (self.results.iter())
                .map(|r| Result {
                    id: &r.id,
                    group: &r.group,
                    level: r.level,
                    status: self.status(r),
                    clause: &r.clause,
                    duration_ms: r.duration_ms,
                    cause: r.cause.as_deref(),
                    rule: r.rule.map(Rule::name),
                    said: (!r.said.is_empty()).then_some(r.said.as_str()),
                    message: r.message.as_deref(),
                    calls: &r.calls,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&document).expect("a report serializes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_date_is_rfc_3339_in_utc() {
        let date = super::utc_now();
        assert_eq!(
            (date.len(), &date[4..5], &date[10..11], &date[19..]),
            (20, "-", "T", "Z"),
            "{date}"
        );
        assert!(date.as_str() > "2026-01-01", "{date}");
    }
}
