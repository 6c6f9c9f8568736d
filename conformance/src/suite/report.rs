//! What a suite run found, per check, as text, JSON, JUnit XML or a Markdown summary.

use std::fmt::Write;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::toolkit::Level;

/// The four-letter mark of a result in a table: `ok`, `FAIL`, `warn` (a recommended check
/// failed and does not count) or `skip`.
pub fn mark(outcome: Outcome, counts: bool) -> &'static str {
    match outcome {
        Outcome::Passed => "ok  ",
        Outcome::Failed if counts => "FAIL",
        Outcome::Failed => "warn",
        Outcome::Skipped => "skip",
    }
}

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// Not run: the harbor lacks what the check needs (said in the message).
    Skipped,
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
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
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
            message: message.map(|m| bounded(&printable(&m))),
        }
    }

    /// A failure that fails the certification.
    pub fn is_required_failure(&self) -> bool {
        self.outcome == Outcome::Failed && self.level == Level::Required
    }
}

impl Report {
    pub(crate) fn new(
        harbor: &str,
        results: Vec<CheckResult>,
        took: Duration,
        strict: bool,
    ) -> Self {
        Report {
            harbor: printable(harbor),
            results,
            duration_ms: ms(took),
            strict,
        }
    }

    /// A failure that fails the certification: of a required check, or of any check when strict.
    pub fn fails_certification(&self, r: &CheckResult) -> bool {
        r.outcome == Outcome::Failed && (self.strict || r.level == Level::Required)
    }

    /// True when every required check passed (every check, when strict).
    pub fn passed(&self) -> bool {
        !self.results.iter().any(|r| self.fails_certification(r))
    }

    fn count(&self, outcome: Outcome, level: Option<Level>) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome == outcome && level.is_none_or(|l| r.level == l))
            .count()
    }

    /// "48 passed, 2 failed, 1 skipped" and the required failures.
    pub fn summary_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped ({} required failures) in {:.1} s",
            self.count(Outcome::Passed, None),
            self.count(Outcome::Failed, None),
            self.count(Outcome::Skipped, None),
            self.count(Outcome::Failed, Some(Level::Required)),
            self.duration_ms / 1e3
        )
    }

    /// A table for a terminal, then every failure in full.
    pub fn to_text(&self) -> String {
        let mut out = format!("limani conformance: {}\n", self.harbor);
        for r in &self.results {
            let mark = mark(r.outcome, self.fails_certification(r));
            let _ = writeln!(
                out,
                "  {mark} {:<48} {:>9.1} ms  {:?}",
                r.id, r.duration_ms, r.level
            );
        }
        for r in self.results.iter().filter(|r| r.outcome != Outcome::Passed) {
            let _ = writeln!(
                out,
                "\n--- {} ({:?}, {:?})\n{}",
                r.id,
                r.level,
                r.outcome,
                r.message.as_deref().unwrap_or("")
            );
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// JUnit XML: one testsuite per group; recommended failures are reported as skipped with a message.
    pub fn to_junit(&self) -> String {
        let mut groups: Vec<&str> = self.results.iter().map(|r| r.group.as_str()).collect();
        groups.dedup();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"limani conformance: {}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            xml(&self.harbor),
            self.results.len(),
            self.count(Outcome::Failed, Some(Level::Required)),
            self.duration_ms / 1e3
        );
        for group in groups {
            let rs: Vec<_> = self.results.iter().filter(|r| r.group == group).collect();
            let failures = rs.iter().filter(|r| self.fails_certification(r)).count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
                xml(group),
                rs.len()
            );
            for r in rs {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml(group),
                    xml(&r.id),
                    r.duration_ms / 1e3
                );
                let message = xml(r.message.as_deref().unwrap_or(""));
                match r.outcome {
                    Outcome::Passed => out.push_str("/>\n"),
                    Outcome::Failed if self.fails_certification(r) => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\">{message}</failure>\n    </testcase>",
                            xml(&r.clause)
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{message}\"/>\n    </testcase>"
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// A Markdown summary (for a CI job summary): totals, then failures and skips with their clauses.
    pub fn to_markdown(&self) -> String {
        let verdict = if self.passed() {
            "certified"
        } else {
            "NOT certified"
        };
        let mut out = format!(
            "## Limani conformance: `{}` — {verdict}\n\n{}\n\n",
            self.harbor,
            self.summary_line()
        );
        out.push_str("| check | level | outcome | clause |\n|---|---|---|---|\n");
        for r in &self.results {
            let _ = writeln!(
                out,
                "| `{}` | {:?} | {:?} | {} |",
                r.id,
                r.level,
                r.outcome,
                r.clause.replace('|', "\\|")
            );
        }
        for r in self.results.iter().filter(|r| r.outcome == Outcome::Failed) {
            let message = r.message.as_deref().unwrap_or("");
            let fence = fence_for(message);
            let _ = writeln!(out, "\n### `{}`\n\n{fence}text\n{message}\n{fence}", r.id);
        }
        out
    }
}

/// Text from a harbor made safe for a terminal and a file: control characters (ANSI colours,
/// title-setting escapes, bells) are shown as `\u{1b}`, never sent as they are.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The longest line of a message a report keeps, and the longest message.
const LINE_CAP: usize = 4096;
const MESSAGE_CAP: usize = 1 << 20;

/// A message a person can read: a long line cut in its middle, the whole cut after 1 MiB; each
/// cut says how much it left out. A harbor's 100 MB value never makes a 1 GB report.
fn bounded(message: &str) -> String {
    let mut out = String::new();
    for line in message.split_inclusive('\n') {
        if out.len() + line.len().min(LINE_CAP) > MESSAGE_CAP {
            let _ = write!(
                out,
                "…[message cut at 1 MiB: {} bytes in all]",
                message.len()
            );
            return out;
        }
        match line.len() > LINE_CAP {
            false => out.push_str(line),
            true => {
                let head = floor_char(line, LINE_CAP / 2);
                let tail = ceil_char(line, line.len() - LINE_CAP / 2);
                let cut = tail - head;
                let _ = write!(out, "{}…[{cut} bytes cut]…{}", &line[..head], &line[tail..]);
            }
        }
    }
    out
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The smallest char boundary of `text` at or above `at`.
fn ceil_char(text: &str, at: usize) -> usize {
    (at..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

/// A Markdown code fence longer than any run of backticks in `text`, so the text cannot close it.
fn fence_for(text: &str) -> String {
    let longest = (text.split(|c| c != '`')).map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
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
        Report::new("harbor\u{1b}[2J", vec![result], Duration::ZERO, false)
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
