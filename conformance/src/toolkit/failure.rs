//! A failed check: what went wrong, expected vs actual as a diff, and (added by the runner)
//! the clause it breaks and the calls that led there.

use std::fmt::Write;

use limani_contract::Exact;
use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::error::LimaniError;
use crate::model::Rule;

/// Where a harbor first disagrees with the model: the rule that breaks and how. Failures whose
/// rule and way are the same are one cause.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    pub rule: Rule,
    /// What the defect is within its rule ("operations order", "a row at end_time: ..."): no run
    /// id, no number that differs from one check to the next.
    pub way: String,
    /// The disagreement in one line, in the Logbook's words, with expected and actual.
    pub said: String,
    /// The rule and way of another defect that would give this very answer (rows of a window
    /// lost to single-precision times): this failure follows from it when a check shows it.
    pub also: Vec<(Rule, String)>,
}

impl Disagreement {
    pub fn new(rule: Rule, way: impl Into<String>, said: impl Into<String>) -> Self {
        Disagreement {
            rule,
            way: way.into(),
            said: said.into(),
            also: Vec::new(),
        }
    }
}

/// Why a check failed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What went wrong, in one line ("get_or_create_host gave a second id for the same host").
    pub what: String,
    /// Expected vs actual, rendered as a unified diff.
    pub diff: Option<String>,
    /// Not a failure: the check could not be made on this harbor (`what` says why).
    pub skip: bool,
    /// The usual cause of such a difference, in one line, when the kit can tell
    /// ("a row at end_time: the window's end is exclusive").
    pub cause: Option<String>,
    /// The first disagreement with the model, when the check knows it (reports group by it).
    pub first: Option<Box<Disagreement>>,
}

/// The result of a check.
pub type Verdict = std::result::Result<(), Failure>;

impl Failure {
    /// A failure with no diff.
    pub fn new(what: impl Into<String>) -> Self {
        Failure {
            what: what.into(),
            diff: None,
            skip: false,
            cause: None,
            first: None,
        }
    }

    /// The same failure, with the usual cause of what it shows (see [`Failure::cause`]), unless
    /// it has one already.
    pub fn because(mut self, cause: Option<&str>) -> Self {
        self.cause = self.cause.or(cause.map(str::to_owned));
        self
    }

    /// The same failure, with the first disagreement it shows, unless it has one already.
    pub fn breaks(mut self, first: Disagreement) -> Self {
        self.first.get_or_insert(Box::new(first));
        self
    }

    /// The same failure, its first disagreement also explained by `also` (see
    /// [`Disagreement::also`]).
    pub fn explained_by(mut self, also: Vec<Disagreement>) -> Self {
        if let Some(first) = self.first.as_mut() {
            first.also.extend(also.into_iter().map(|a| (a.rule, a.way)));
        }
        self
    }

    /// A failure showing expected vs actual documents (see [`crate::toolkit::Twin`], which
    /// shows them with keys sorted where their order is not what is checked).
    pub fn differs_shown(what: impl Into<String>, expected: &Exact, actual: &Exact) -> Self {
        Failure {
            what: what.into(),
            diff: Some(diff(
                &crate::show::pretty(expected),
                &crate::show::pretty(actual),
            )),
            skip: false,
            cause: None,
            first: None,
        }
    }

    /// A failure showing expected vs actual, both as pretty JSON.
    pub fn differs(
        what: impl Into<String>,
        expected: &impl Serialize,
        actual: &impl Serialize,
    ) -> Self {
        Failure {
            what: what.into(),
            diff: Some(diff(&show(expected), &show(actual))),
            skip: false,
            cause: None,
            first: None,
        }
    }

    /// The check cannot be made on this harbor; the report lists it as skipped, with why.
    pub fn skip(why: impl Into<String>) -> Self {
        Failure {
            skip: true,
            ..Failure::new(why)
        }
    }

    /// A harbor call failed where it should have succeeded.
    pub fn call(call: &str, error: &LimaniError) -> Self {
        Failure::new(format!("{call} failed: {error} ({:?})", error.kind()))
    }
}

/// A value as a diff shows it: pretty JSON, payloads read as JSON, long strings cut in the middle.
pub fn show(value: &impl Serialize) -> String {
    crate::show::pretty(&crate::show::to_exact(value))
}

/// The most lines a diff shows; the rest is said, not shown (`--json` has the whole message).
const DIFF_LINES: usize = 40;

/// A line diff of two texts: `-` lines are expected, `+` lines are what the harbor gave; the
/// differing lines with 3 lines of context, at most 40 of them.
pub fn diff(expected: &str, actual: &str) -> String {
    let whole = full_diff(expected, actual);
    let lines: Vec<&str> = whole.lines().collect();
    match lines.len() > DIFF_LINES {
        false => whole,
        true => format!(
            "{}\n  ... {} more lines of diff cut\n",
            lines[..DIFF_LINES].join("\n"),
            lines.len() - DIFF_LINES
        ),
    }
}

fn full_diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let text_diff = TextDiff::from_lines(expected, actual);
    for group in text_diff.grouped_ops(3) {
        for op in group {
            for change in text_diff.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let _ = write!(out, "{sign} {}", change.value());
                if !change.value().ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        out.push_str("  ...\n");
    }
    if out.is_empty() {
        // Same text, different values: a number whose kind or bits differ, say.
        out = format!(
            "(same text, different values)\n  expected: {expected}\n  actual:   {actual}\n"
        );
    }
    out
}
