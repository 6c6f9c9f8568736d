//! What a suite run found, per check: the verdict, and the report as text, JSON or Markdown.
//! One vocabulary everywhere: a check `passed`, `failed`, `warned` (a recommended check failed)
//! or was `skipped`; a run is `certified`, `failed` or `incomplete`.

mod bound;
mod json;
mod markdown;

use std::fmt::Write;
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
        }
    }

    /// The same failure, with its first disagreement and the calls made until it.
    pub(crate) fn with_first(mut self, first: Disagreement, calls_made: usize) -> Self {
        self.rule = Some(first.rule);
        self.way = bound::printable(&first.way);
        self.said = bound::printable(&crate::toolkit::shorten(&first.said, 400, 100));
        self.calls_made = calls_made;
        self
    }

    /// The same failure, as the lost server's: it counts for nothing, and says so.
    pub(crate) fn lost_with_server(mut self, event: &str) -> Self {
        self.cause = Some(SERVER_LOST.to_owned());
        self.rule = None;
        self.said = format!("{event} (the harbor's calls failed with it)");
        self
    }

    /// The key of its cause: failures of one rule and one way are one cause (a result made
    /// without its disagreement: of one usual cause or first difference).
    fn cause_key(&self) -> Option<(Option<Rule>, String)> {
        match (self.outcome, self.rule) {
            _ if self.cause.as_deref() == Some(SERVER_LOST) => None,
            (Outcome::Failed, Some(rule)) => Some((Some(rule), self.way.clone())),
            (Outcome::Failed, None) => Some((None, defect(self))),
            _ => None,
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

    /// Names each failure's root: of the failures of one cause, the one that fails the
    /// certification, with the fewest calls before it (the first in the report on a tie).
    fn assign_causes(&mut self) {
        let rank = |r: &CheckResult| (!self.fails_certification(r), r.calls_made);
        // (the cause's key, the rank of its root so far, the root's id)
        type Root = ((Option<Rule>, String), (bool, usize), String);
        let mut roots: Vec<Root> = Vec::new();
        for r in &self.results {
            let Some(key) = r.cause_key() else {
                continue;
            };
            match roots.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, best, id)) if rank(r) < *best => (*best, *id) = (rank(r), r.id.clone()),
                Some(_) => {}
                None => roots.push((key, rank(r), r.id.clone())),
            }
        }
        for r in self
            .results
            .iter_mut()
            .filter(|r| r.cause.as_deref() != Some(SERVER_LOST))
        {
            let root = r.cause_key().and_then(|key| {
                let found = roots.iter().find(|(k, _, _)| *k == key);
                found.map(|(_, _, id)| id.clone())
            });
            r.cause = root;
        }
    }

    /// The causes of the failures, each with its root first, then the checks that follow from
    /// it: those that fail the certification first, in report order.
    pub fn causes(&self) -> Vec<Vec<&CheckResult>> {
        let mut causes: Vec<Vec<&CheckResult>> = Vec::new();
        let failed = |r: &&CheckResult| {
            r.outcome == Outcome::Failed && r.cause.as_deref() != Some(SERVER_LOST)
        };
        for r in self.results.iter().filter(failed) {
            let root = r.cause.as_deref().unwrap_or(&r.id);
            match causes.iter_mut().find(|c| c[0].id == root) {
                Some(cause) if cause[0].id != r.id => cause.push(r),
                Some(_) => {}
                None => {
                    let first = self.results.iter().find(|o| o.id == root).unwrap_or(r);
                    causes.push(match first.id == r.id {
                        true => vec![r],
                        false => vec![first, r],
                    });
                }
            }
        }
        causes.sort_by_key(|c| !self.fails_certification(c[0]));
        causes
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
    /// came: see [`Report::to_text_with`].
    pub fn to_text_after_progress(&self) -> String {
        self.to_text_with(false)
    }

    /// The causes first: failures whose first disagreement breaks one rule in one way are one
    /// cause, shown once by its root (the check that shows it with the fewest calls), with the
    /// checks that follow from it in one line (`verbose`: each in full). The first
    /// two causes with their diff; warnings and skips one line each; a short
    /// summary, one line per cause; the verdict.
    pub fn to_text_with(&self, verbose: bool) -> String {
        let mut out = String::new();
        let causes = self.causes();
        let any_failed = causes.iter().any(|c| self.fails_certification(c[0]));
        let mut in_full = 0;
        if let Some(event) = &self.server_lost {
            let _ = writeln!(
                out,
                "\n--- the server the kit started for the harbor was lost: {event}\nnot the harbor's defect: the check it failed and every check after it say nothing of the harbor (they are skipped)"
            );
        }
        for cause in &causes {
            let (root, followers) = (cause[0], &cause[1..]);
            let (status, id, level) = (self.status(root), &root.id, root.level);
            if any_failed && !self.fails_certification(root) {
                let more = followers.len();
                let more = match more {
                    0 => String::new(),
                    n => format!(" (+{n})"),
                };
                let _ = writeln!(out, "\n--- {status} {id} ({level:?}): {}{more}", said(root));
                continue;
            }
            let full = in_full < SHOWN_IN_FULL;
            in_full += 1;
            let rule = root.rule.map(|r| format!(", rule {r}")).unwrap_or_default();
            let message = root.message.as_deref().unwrap_or("");
            let body = match full {
                true => cause_block(message, &said(root)),
                false => headline(message, &said(root)),
            };
            let _ = writeln!(
                out,
                "\n--- {status} {id} ({level:?}){rule}
{body}"
            );
            if !followers.is_empty() {
                let list: Vec<String> = (followers.iter())
                    .map(|o| match self.status(o) {
                        "failed" => o.id.clone(),
                        other => format!("{} ({other})", o.id),
                    })
                    .collect();
                let (n, list) = (
                    list.len(),
                    crate::toolkit::shorten(&list.join(", "), 400, 0),
                );
                let checks = if n == 1 { "check" } else { "checks" };
                let hint = if verbose {
                    ""
                } else {
                    " (--verbose: each in full)"
                };
                let _ = writeln!(out, "follows from it: {n} {checks}: {list}{hint}");
            }
            if verbose {
                for o in followers {
                    let body = brief(o.message.as_deref().unwrap_or(""));
                    let body = body.replace('\n', "\n    ");
                    let _ = writeln!(
                        out,
                        "\n  --- {} {} ({:?})
    {body}",
                        self.status(o),
                        o.id,
                        o.level
                    );
                }
            }
        }
        let after_loss = |r: &CheckResult| {
            let not_run = self.server_lost.as_ref().map(|e| format!("not run: {e}"));
            not_run.is_some() && r.message == not_run
        };
        for r in self
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Skipped)
        {
            if after_loss(r) {
                continue;
            }
            let message = r.message.as_deref().unwrap_or("");
            let _ = writeln!(out, "\n--- skipped {} ({:?}): {message}", r.id, r.level);
        }
        let lost: Vec<&str> = (self.results.iter())
            .filter(|r| after_loss(r))
            .map(|r| r.id.as_str())
            .collect();
        if !lost.is_empty() {
            let list = crate::toolkit::shorten(&lost.join(", "), 300, 0);
            let n = lost.len();
            let _ = writeln!(
                out,
                "\n--- not run after the server was lost: {n} checks: {list}"
            );
        }
        if !causes.is_empty() {
            let failed = self
                .results
                .iter()
                .filter(|r| r.outcome == Outcome::Failed)
                .count();
            let (n, plural) = (causes.len(), if causes.len() == 1 { "" } else { "s" });
            let _ = writeln!(
                out,
                "\nshort summary: {n} cause{plural} of {failed} failed checks"
            );
            for cause in &causes {
                let root = cause[0];
                let follow = match cause.len() - 1 {
                    0 => String::new(),
                    n => format!(" (+{n} follow)"),
                };
                let said = crate::toolkit::shorten(&said(root), 160, 0);
                let _ = writeln!(out, "  {} {} - {said}{follow}", self.status(root), root.id);
            }
        }
        let _ = writeln!(out, "\n{}", self.verdict_line());
        out
    }
}

/// What a failure shows, in one line: the disagreement said, else its usual cause, else what
/// went wrong.
fn said(r: &CheckResult) -> String {
    match r.said.is_empty() {
        false => r.said.clone(),
        true => r.usual_cause().unwrap_or(r.first_difference()).to_owned(),
    }
}

/// How many defects a text report shows in full; the others in a few lines each (`--log-dir`,
/// `--json` and the `reproduce:` command show them whole).
const SHOWN_IN_FULL: usize = 2;

/// A failure in a few lines: its clause, its cause said, and how to see it whole.
fn headline(message: &str, said: &str) -> String {
    let kept = ["clause:", "reproduce:"];
    let mut out: Vec<String> = (message.lines())
        .filter(|l| kept.iter().any(|k| l.starts_with(k)))
        .map(|l| crate::toolkit::shorten(l, 240, 0))
        .collect();
    out.insert(
        1.min(out.len()),
        format!("cause:   {}", crate::toolkit::shorten(said, 240, 0)),
    );
    out.push("(the diff and calls: run the reproduce command, or see --log-dir / --json)".into());
    out.join("\n")
}

/// The most diff lines and calls a cause shows (`--verbose`, `--json` and `--log-dir` have all).
const CAUSE_DIFF_LINES: usize = 10;
const CAUSE_CALLS: usize = 3;

/// A cause as its root shows it: the clause, the disagreement said, the failing call, a short
/// diff, the last calls, how to reproduce it.
fn cause_block(message: &str, said: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let (mut diff, mut calls) = (Vec::new(), Vec::new());
    let mut section = "";
    for line in message.lines() {
        if let Some(rest) = line.strip_prefix("cause:   ") {
            let _ = rest;
            continue;
        }
        if line.starts_with("diff (") {
            section = "diff";
            out.push(line.to_owned());
            continue;
        }
        if line.starts_with("calls that led here") {
            section = "calls";
            continue;
        }
        match section {
            "diff" if line.starts_with(' ') || line.starts_with('-') || line.starts_with('+') => {
                diff.push(line.to_owned());
                continue;
            }
            "calls" if line.starts_with("  ") => {
                calls.push(line.to_owned());
                continue;
            }
            _ => section = "",
        }
        if line.starts_with("clause:") {
            out.push(crate::toolkit::shorten(line, 240, 0));
            out.push(format!(
                "cause:   {}",
                crate::toolkit::shorten(said, 400, 100)
            ));
        } else if line.strip_prefix("failure: ") == Some(said) {
            continue;
        } else if line.starts_with("reproduce:") {
            let cut = diff.len().saturating_sub(CAUSE_DIFF_LINES);
            let at = out
                .iter()
                .position(|l| l.starts_with("diff ("))
                .map_or(out.len(), |i| i + 1);
            let mut shown: Vec<String> = diff.drain(..).take(CAUSE_DIFF_LINES).collect();
            if cut > 0 {
                shown.push(format!("  ... {cut} more lines (--verbose, --json)"));
            }
            out.splice(at..at, shown);
            let skip = calls.len().saturating_sub(CAUSE_CALLS);
            if !calls.is_empty() {
                out.push(format!(
                    "last calls ({} of {}):",
                    calls.len() - skip,
                    calls.len()
                ));
                out.extend(
                    calls
                        .drain(..)
                        .skip(skip)
                        .map(|c| crate::toolkit::shorten(&c, 200, 40)),
                );
            }
            out.push(line.to_owned());
        } else {
            out.push(line.to_owned());
        }
    }
    out.join("\n")
}

/// The defect a failure shows: its cause, when the kit could tell; else its first difference.
fn defect(r: &CheckResult) -> String {
    match (r.outcome, r.usual_cause()) {
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
        // Said once in its cause's block, once in the short summary.
        assert_eq!(text.matches("the store is torn").count(), 2, "{text}");
        assert!(text.contains("follows from it: 1 check: "), "{text}");
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
        assert!(text.contains("follows from it: 1 check: "), "{text}");
        assert_eq!(text.matches("last calls (1 of 1)").count(), 2, "{text}");
        // A recommended failure beside required ones: one line, no reproduce.
        assert_eq!(text.matches("reproduce: ").count(), 3, "{text}");
        assert!(
            text.contains("\n--- warned lifecycle::duplicate_run_rejected (Recommended): d\n"),
            "{text}"
        );
        assert!(
            text.contains("short summary: 4 causes of 5 failed checks"),
            "{text}"
        );
        assert!(text.contains(" - a row at end_time (+1 follow)"), "{text}");
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
