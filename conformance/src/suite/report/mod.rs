//! What a suite run found, per check: the verdict, and the report as text, JSON or Markdown.
//! One vocabulary everywhere: a check `passed`, `failed`, `warned` (a recommended check failed)
//! or was `skipped`; a run is `certified`, `failed` or `incomplete`.

mod bound;
mod causes;
mod json;
mod markdown;
mod text;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Rule;
use crate::toolkit::failure::Disagreement;
use crate::toolkit::Level;

/// The revision of the contract the checks encode: the Logbook of Ch-aOS 0.7, as recorded and
/// checked against the real client on this date. Reports carry it.
pub const CONTRACT_REVISION: &str = "chaos-0.7/2026-11-25";

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// Not run: the harbor lacks what the check needs (said in the message).
    Skipped,
}

/// What a run says of the harbor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every required check ran and passed (every check, when strict).
    Certified,
    /// A required check failed (any check, when strict).
    Failed,
    /// Nothing failed, but a required check did not run: skipped, or left out by `only`/`skip`.
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Certified => "certified",
            Verdict::Failed => "failed",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub group: String,
    pub level: Level,
    pub clause: String,
    pub outcome: Outcome,
    pub duration_ms: f64,
    /// For a failure: the clause, what went wrong, the diff and the calls; for a skip: why.
    pub message: Option<String>,
    /// For a failure: every call that led there, arguments and results whole (`--log-dir`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    /// For a failure: the rule its first disagreement with the model breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// How, within the rule: failures of one rule and way are one cause.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub way: String,
    /// The disagreement in one line, in the Logbook's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub said: String,
    /// The calls the check made until it failed: a cause's root is its failure with the fewest.
    #[serde(default)]
    pub calls_made: usize,
    /// For a failure: the check that shows its cause most directly (itself, for that root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The rule and way of another defect that explains this failure too, if a check shows it.
    #[serde(skip)]
    pub also: Vec<(Rule, String)>,
}

/// All results of one suite run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// What was certified (a harbor's name or target).
    pub harbor: String,
    pub results: Vec<CheckResult>,
    pub duration_ms: f64,
    /// Recommended checks counted as required (`Suite::strict`, `--strict`).
    #[serde(default)]
    pub strict: bool,
    /// Checks that count and were left out of the run (`only`, `skip`).
    #[serde(default)]
    pub not_run: Vec<String>,
    /// What happened to the server the kit started for the harbor, when it was lost during the
    /// run (`Suite::lost_when`): the failure then is the server's, and the rest did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_lost: Option<String>,
}

/// The cause of a failure that is the lost server's (`Report::server_lost`), not the harbor's.
pub const SERVER_LOST: &str = "server_lost";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The mark of a result in a table or a progress line, in the report's words.
pub fn mark(outcome: Outcome, counts: bool) -> &'static str {
    match outcome {
        Outcome::Passed => "passed ",
        Outcome::Failed if counts => "FAILED ",
        Outcome::Failed => "warned ",
        Outcome::Skipped => "skipped",
    }
}

impl CheckResult {
    pub(crate) fn new(
        check: &crate::toolkit::Check,
        outcome: Outcome,
        took: Duration,
        message: Option<String>,
    ) -> Self {
        CheckResult {
            id: check.id.to_owned(),
            group: check.group.to_owned(),
            level: check.level,
            clause: check.clause.to_owned(),
            outcome,
            duration_ms: ms(took),
            message: message.map(|m| bound::bounded(&bound::printable(&m))),
            calls: Vec::new(),
            rule: None,
            way: String::new(),
            said: String::new(),
            calls_made: 0,
            cause: None,
            also: Vec::new(),
        }
    }

    /// The same failure, with its first disagreement and the calls made until it.
    pub(crate) fn with_first(mut self, first: Disagreement, calls_made: usize) -> Self {
        self.rule = Some(first.rule);
        self.way = bound::printable(&first.way);
        self.said = bound::printable(&crate::toolkit::shorten(&first.said, 400, 100));
        self.calls_made = calls_made;
        self.also = (first.also.into_iter())
            .map(|(rule, way)| (rule, bound::printable(&way)))
            .collect();
        self
    }

    /// The same failure, as the lost server's: it counts for nothing, and says so.
    pub(crate) fn lost_with_server(mut self, event: &str) -> Self {
        self.cause = Some(SERVER_LOST.to_owned());
        self.rule = None;
        self.said = format!("{event} (the harbor's calls failed with it)");
        self
    }

    /// The same result, with every call that led to it (see [`CheckResult::calls`]), within
    /// [`bound::CALLS_BOUND`] in all.
    pub(crate) fn with_calls(mut self, calls: Vec<String>) -> Self {
        self.calls = bound::bounded_calls(calls);
        self
    }

    /// A failure that fails the certification.
    pub fn is_required_failure(&self) -> bool {
        self.outcome == Outcome::Failed && self.level == Level::Required
    }

    /// The usual cause of the failure, when the kit could tell: the `cause:` line of its message.
    pub fn usual_cause(&self) -> Option<&str> {
        let message = self.message.as_deref()?;
        message.lines().find_map(|l| l.strip_prefix("cause:   "))
    }

    /// What went wrong, in one line: the `failure:` line of its message.
    pub fn first_difference(&self) -> &str {
        let message = self.message.as_deref().unwrap_or("");
        (message.lines())
            .find_map(|l| l.strip_prefix("failure: "))
            .unwrap_or_else(|| message.lines().next().unwrap_or(""))
    }
}

impl Report {
    pub(crate) fn new(
        harbor: &str,
        results: Vec<CheckResult>,
        took: Duration,
        strict: bool,
        not_run: Vec<String>,
    ) -> Self {
        let mut report = Report {
            harbor: bound::printable(harbor),
            results,
            duration_ms: ms(took),
            strict,
            not_run,
            server_lost: None,
        };
        report.assign_causes();
        report
    }

    /// True when the result counts for the certification: a required check, or any when strict.
    fn counts(&self, r: &CheckResult) -> bool {
        self.strict || r.level == Level::Required
    }

    /// A failure that fails the certification: of a required check, or of any check when strict.
    pub fn fails_certification(&self, r: &CheckResult) -> bool {
        r.outcome == Outcome::Failed && self.counts(r) && r.cause.as_deref() != Some(SERVER_LOST)
    }

    /// True when no check that counts failed (it may still be incomplete: see [`Report::verdict`]).
    pub fn passed(&self) -> bool {
        !self.results.iter().any(|r| self.fails_certification(r))
    }

    /// Certified only when every check that counts ran and passed.
    pub fn verdict(&self) -> Verdict {
        let skipped = |r: &&CheckResult| r.outcome == Outcome::Skipped && self.counts(r);
        let lost = self.server_lost.is_some();
        match (
            self.passed(),
            lost || self.results.iter().any(|r| skipped(&r)) || !self.not_run.is_empty(),
        ) {
            (false, _) => Verdict::Failed,
            (true, true) => Verdict::Incomplete,
            (true, false) => Verdict::Certified,
        }
    }

    /// A result in the report's words: `passed`, `failed`, `warned` or `skipped`.
    pub fn status(&self, r: &CheckResult) -> &'static str {
        match r.outcome {
            Outcome::Passed => "passed",
            Outcome::Failed if self.counts(r) => "failed",
            Outcome::Failed => "warned",
            Outcome::Skipped => "skipped",
        }
    }

    fn tally(&self, status: &str) -> usize {
        self.results
            .iter()
            .filter(|r| self.status(r) == status)
            .count()
    }

    /// "48 passed, 2 failed, 1 warned, 1 skipped in 4.2 s".
    pub fn summary_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} warned, {} skipped in {:.1} s",
            self.tally("passed"),
            self.tally("failed"),
            self.tally("warned"),
            self.tally("skipped"),
            self.duration_ms / 1e3
        )
    }

    /// The last line: the verdict and why.
    pub fn verdict_line(&self) -> String {
        let counting = if self.strict {
            "checks"
        } else {
            "required checks"
        };
        match self.verdict() {
            Verdict::Certified => format!("certified: {}", self.summary_line()),
            Verdict::Failed => format!(
                "NOT certified: {} {counting} failed ({})",
                self.tally("failed"),
                self.summary_line()
            ),
            Verdict::Incomplete if self.server_lost.is_some() => {
                let during = (self.results.iter())
                    .find(|r| r.cause.as_deref() == Some(SERVER_LOST))
                    .map_or("", |r| r.id.as_str());
                let not_run = self.tally("skipped");
                format!(
                    "incomplete: the server the kit started for the harbor was lost during {during} ({}); {not_run} checks did not run; {}",
                    self.server_lost.as_deref().unwrap_or(""),
                    self.summary_line()
                )
            }
            Verdict::Incomplete => {
                let skipped = self
                    .results
                    .iter()
                    .filter(|r| r.outcome == Outcome::Skipped && self.counts(r));
                let ids: Vec<&str> = skipped
                    .map(|r| r.id.as_str())
                    .chain(self.not_run.iter().map(String::as_str))
                    .collect();
                format!(
                    "incomplete: {} {counting} did not run ({}); {}",
                    ids.len(),
                    crate::toolkit::shorten(&ids.join(", "), 200, 0),
                    self.summary_line()
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
