//! What a suite run found, per check: the verdict, and the report as text, JSON or Markdown.
//! One vocabulary everywhere: a check `passed`, `failed`, `warned` (a recommended check failed)
//! or was `skipped`; a run is `certified`, `failed` or `incomplete`.

mod bound;
mod json;
mod markdown;

use std::fmt::Write;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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
}

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
        }
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
    pub fn cause(&self) -> Option<&str> {
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
        Report {
            harbor: bound::printable(harbor),
            results,
            duration_ms: ms(took),
            strict,
            not_run,
        }
    }

    /// True when the result counts for the certification: a required check, or any when strict.
    fn counts(&self, r: &CheckResult) -> bool {
        self.strict || r.level == Level::Required
    }

    /// A failure that fails the certification: of a required check, or of any check when strict.
    pub fn fails_certification(&self, r: &CheckResult) -> bool {
        r.outcome == Outcome::Failed && self.counts(r)
    }

    /// True when no check that counts failed (it may still be incomplete: see [`Report::verdict`]).
    pub fn passed(&self) -> bool {
        !self.results.iter().any(|r| self.fails_certification(r))
    }

    /// Certified only when every check that counts ran and passed.
    pub fn verdict(&self) -> Verdict {
        let skipped = |r: &&CheckResult| r.outcome == Outcome::Skipped && self.counts(r);
        match (
            self.passed(),
            self.results.iter().any(|r| skipped(&r)) || !self.not_run.is_empty(),
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

    /// The table, every failure and skip in full, a short summary (one line per failing check
    /// with what went wrong) and the verdict.
    pub fn to_text(&self) -> String {
        let mut out = format!("limani conformance: {}\n", self.harbor);
        for r in &self.results {
            let mark = mark(r.outcome, self.counts(r));
            let _ = writeln!(
                out,
                "  {mark} {:<54} {:>9.1} ms  {:?}",
                r.id, r.duration_ms, r.level
            );
        }
        out + &self.to_text_after_progress()
    }

    /// As [`Report::to_text`] without the table, for a terminal that showed each result as it
    /// came. Failures with the same cause (or, without one, the same first difference) are one
    /// defect, shown once with the checks it fails; the first two defects are shown
    /// in full, the others by their clause, what went wrong and the command that shows them whole.
    pub fn to_text_after_progress(&self) -> String {
        let mut out = String::new();
        let mut not_passed: Vec<&CheckResult> = (self.results.iter())
            .filter(|r| r.outcome != Outcome::Passed)
            .collect();
        // What fails the certification first, then warnings, then skips.
        let rank = |r: &&CheckResult| match self.status(r) {
            "failed" => 0,
            "warned" => 1,
            _ => 2,
        };
        not_passed.sort_by_key(rank);
        let any_failed = not_passed.iter().any(|r| self.status(r) == "failed");
        let mut shown: Vec<String> = Vec::new();
        let mut in_full = 0;
        for r in &not_passed {
            let root = defect(r);
            if !root.is_empty() && shown.contains(&root) {
                continue;
            }
            let message = r.message.as_deref().unwrap_or("");
            if r.outcome == Outcome::Skipped {
                let _ = writeln!(out, "\n--- skipped {} ({:?}): {message}", r.id, r.level);
                continue;
            }
            let full = in_full < SHOWN_IN_FULL && (self.status(r) == "failed" || !any_failed);
            let body = match full {
                true => brief(message),
                false => headline(message),
            };
            in_full += usize::from(full);
            let (status, id, level) = (self.status(r), &r.id, r.level);
            let _ = writeln!(out, "\n--- {status} {id} ({level:?})\n{body}");
            let same: Vec<String> = (not_passed.iter())
                .filter(|o| o.id != r.id && !root.is_empty() && defect(o) == root)
                .map(|o| format!("{} ({})", o.id, self.status(o)))
                .collect();
            if !same.is_empty() {
                let list = crate::toolkit::shorten(&same.join(", "), 600, 0);
                let what = match r.cause() {
                    Some(_) => "cause",
                    None => "difference",
                };
                let (n, checks) = (same.len(), if same.len() == 1 { "check" } else { "checks" });
                let _ = writeln!(out, "the same {what} fails {n} more {checks}: {list}");
            }
            shown.push(root);
        }
        let failing: Vec<&CheckResult> = (self.results.iter())
            .filter(|r| r.outcome == Outcome::Failed)
            .collect();
        if !failing.is_empty() {
            out.push_str("\nshort summary:\n");
            let mut said: Vec<String> = Vec::new();
            for r in &failing {
                let root = defect(r);
                let same: Vec<String> = (failing.iter())
                    .filter(|o| !root.is_empty() && defect(o) == root)
                    .map(|o| match self.status(o) {
                        "failed" => o.id.clone(),
                        status => format!("{} ({status})", o.id),
                    })
                    .collect();
                if same.len() > 1 {
                    if !said.contains(&root) {
                        let why = r.cause().map(|c| format!(" ({c})")).unwrap_or_default();
                        let (n, ids) = (same.len(), same.join(", "));
                        let _ = writeln!(out, "  one defect{why} fails {n} checks: {ids}");
                        said.push(root);
                    }
                    continue;
                }
                let first = r.cause().unwrap_or(r.first_difference());
                let first = crate::toolkit::shorten(first, 160, 0);
                let _ = writeln!(out, "  {} {} - {first}", self.status(r), r.id);
            }
        }
        let _ = writeln!(out, "\n{}", self.verdict_line());
        out
    }
}

/// How many defects a text report shows in full; the others in a few lines each (`--log-dir`,
/// `--json` and the `reproduce:` command show them whole).
const SHOWN_IN_FULL: usize = 2;

/// A failure in a few lines: its clause, what went wrong, its cause and how to see it whole.
fn headline(message: &str) -> String {
    let kept = ["clause:", "failure:", "cause:", "reproduce:"];
    let mut out: Vec<String> = (message.lines())
        .filter(|l| kept.iter().any(|k| l.starts_with(k)))
        .map(|l| crate::toolkit::shorten(l, 240, 0))
        .collect();
    out.push("(the diff and calls: run the reproduce command, or see --log-dir / --json)".into());
    out.join("\n")
}

/// The defect a failure shows: its cause, when the kit could tell; else its first difference.
fn defect(r: &CheckResult) -> String {
    match (r.outcome, r.cause()) {
        (Outcome::Failed, Some(cause)) => format!("cause: {cause}"),
        (Outcome::Failed, None) => root_difference(r),
        _ => String::new(),
    }
}

/// The calls that lead to a failure, in a terminal: the last [`CALLS_SHOWN`]; the JSON report
/// and `--log-dir` keep them all.
const CALLS_SHOWN: usize = 5;

/// A failure's message with at most [`CALLS_SHOWN`] of its calls.
fn brief(message: &str) -> String {
    let mut out = String::new();
    let mut calls: Vec<&str> = Vec::new();
    let mut in_calls = false;
    let flush = |out: &mut String, calls: &mut Vec<&str>| {
        let cut = calls.len().saturating_sub(CALLS_SHOWN);
        if cut > 0 {
            let _ = writeln!(
                out,
                "  ... {cut} earlier calls not shown (the JSON report and limani's --log-dir keep them all)"
            );
        }
        for call in calls.drain(..).skip(cut) {
            out.push_str(call);
            out.push('\n');
        }
    };
    for line in message.lines() {
        match (in_calls, line.starts_with("  #")) {
            (true, true) => calls.push(line),
            (true, false) => {
                flush(&mut out, &mut calls);
                in_calls = false;
                out.push_str(line);
                out.push('\n');
            }
            (false, _) => {
                in_calls = line.starts_with("calls that led here");
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    flush(&mut out, &mut calls);
    out.trim_end().to_owned()
}

/// What a failure differs in first: its first `-` and `+` lines of diff; without a diff, what
/// went wrong, the kit's run ids left out (each check has its own).
fn root_difference(r: &CheckResult) -> String {
    let message = r.message.as_deref().unwrap_or("");
    let first = |sign: &str| {
        message
            .lines()
            .find(|l| l.starts_with(sign))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    match (first("- "), first("+ ")) {
        (a, b) if a.is_empty() && b.is_empty() => {
            let words = r.first_difference().split(['"', ' ', '(', ')', ',']);
            let kept: Vec<&str> = words.filter(|w| !w.starts_with("kit-")).collect();
            kept.join(" ")
        }
        (a, b) => format!("{a}\n{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cause_is_said_once() {
        let checks = crate::suite::all_checks();
        let failed = |i: usize, run: &str| {
            let message =
                format!("clause:  x\nfailure: init_db failed for \"{run}\": the store is torn\n");
            CheckResult::new(&checks[i], Outcome::Failed, Duration::ZERO, Some(message))
        };
        let skipped = |i: usize| {
            CheckResult::new(
                &checks[i],
                Outcome::Skipped,
                Duration::ZERO,
                Some("no reopen".into()),
            )
        };
        let results = vec![
            failed(0, "kit-a-1"),
            failed(1, "kit-b-2"),
            skipped(2),
            skipped(3),
        ];
        let text =
            Report::new("h", results, Duration::ZERO, false, Vec::new()).to_text_after_progress();
        assert_eq!(text.matches("the store is torn").count(), 1, "{text}");
        assert!(
            text.contains("the same difference fails 1 more check"),
            "{text}"
        );
        assert_eq!(text.matches("--- skipped").count(), 2, "{text}");
    }

    /// One cause in different words is one defect; past the first two defects, a failure is
    /// shown by its headline only.
    #[test]
    fn one_defect_by_its_cause_and_later_defects_brief() {
        let checks = crate::suite::all_checks();
        let failed = |i: usize, what: &str, cause: &str| {
            let cause = match cause {
                "" => String::new(),
                c => format!("cause:   {c}\n"),
            };
            let message = format!(
                "clause:  x\nfailure: {what}\n{cause}diff (- what the contract expects, + what the harbor gave):\n- 1\n+ 2{what}\ncalls that led here (last 1 of 1):\n  #1 [check thread] init_db() -> Ok(())\nreproduce: limani certify --only {i}"
            );
            CheckResult::new(&checks[i], Outcome::Failed, Duration::ZERO, Some(message))
        };
        let results = vec![
            failed(0, "a", "a row at end_time"),
            failed(1, "b", "a row at end_time"),
            failed(2, "c", ""),
            failed(3, "d", ""),
            failed(4, "e", ""),
        ];
        let text =
            Report::new("h", results, Duration::ZERO, false, Vec::new()).to_text_after_progress();
        assert!(text.contains("the same cause fails 1 more check"), "{text}");
        assert_eq!(text.matches("calls that led here").count(), 2, "{text}");
        assert_eq!(text.matches("reproduce: ").count(), 4, "{text}");
        assert!(
            text.contains("one defect (a row at end_time) fails 2 checks"),
            "{text}"
        );
    }

    #[test]
    fn certified_only_when_every_required_check_ran_and_passed() {
        let checks = crate::suite::all_checks();
        let result =
            |i: usize, outcome| CheckResult::new(&checks[i], outcome, Duration::ZERO, None);
        let report = |results, not_run: &[&str]| {
            let not_run = not_run.iter().map(|s| (*s).to_owned()).collect();
            Report::new("h", results, Duration::ZERO, false, not_run)
        };
        assert_eq!(
            report(vec![result(0, Outcome::Passed)], &[]).verdict(),
            Verdict::Certified
        );
        assert_eq!(
            report(vec![result(0, Outcome::Passed)], &["hosts::idempotent"]).verdict(),
            Verdict::Incomplete
        );
        assert_eq!(
            report(vec![result(0, Outcome::Skipped)], &[]).verdict(),
            Verdict::Incomplete
        );
        assert_eq!(
            report(vec![result(0, Outcome::Failed)], &[]).verdict(),
            Verdict::Failed
        );
        let incomplete = report(vec![result(0, Outcome::Skipped)], &[]);
        assert!(incomplete
            .verdict_line()
            .starts_with("incomplete: 1 required checks did not run"));
        assert!(
            !incomplete.to_text().contains("certified:"),
            "{}",
            incomplete.to_text()
        );
        let json = incomplete.to_json();
        assert!(
            json.starts_with("{\n  \"verdict\": \"incomplete\",\n  \"kit\": \"limani-kit "),
            "{json}"
        );
    }
    use crate::toolkit::Level;

    fn report_with(message: &str) -> Report {
        let check = crate::suite::all_checks()[0];
        let result = CheckResult::new(
            &check,
            Outcome::Failed,
            Duration::ZERO,
            Some(message.into()),
        );
        assert_eq!(result.level, Level::Required);
        Report::new(
            "harbor\u{1b}[2J",
            vec![result],
            Duration::ZERO,
            false,
            Vec::new(),
        )
    }

    #[test]
    fn harbor_text_cannot_drive_the_terminal() {
        let report = report_with("boom \u{1b}]0;pwned\u{7} \u{1b}[31mred\r");
        for text in [report.to_text(), report.to_markdown(), report.to_json()] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text}"
            );
        }
        assert!(report.to_text().contains("boom \\u{1b}]0;pwned\\u{7}"));
    }

    #[test]
    fn a_huge_harbor_value_makes_no_huge_report() {
        let huge = format!("diff:\n- \"{}\"\n", "é".repeat(50 << 20));
        let report = report_with(&huge);
        let text = report.to_text();
        assert!(text.len() < 2 << 20, "{} bytes", text.len());
        assert!(text.contains("bytes cut]…"), "the cut is said");
        let many_lines = "a line of a diff\n".repeat(200_000);
        let text = report_with(&many_lines).to_text();
        assert!(text.len() < 2 << 20 && text.contains("…[message cut at 1 MiB"));
    }

    #[test]
    fn harbor_text_cannot_close_the_markdown_fence() {
        let markdown = report_with("a ``` fence ```` and more").to_markdown();
        let fence = "`````";
        assert!(
            markdown.contains(&format!("{fence}text\na ``` fence ```` and more\n{fence}")),
            "{markdown}"
        );
    }
}
