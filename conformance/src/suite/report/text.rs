//! The report as text, for a person: the causes first, each once, then warnings, skips, a
//! short summary and the verdict.

use std::fmt::Write;

use super::{mark, CheckResult, Outcome, Report};

impl Report {
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
                let said = one_line(&said(root), 240);
                let _ = writeln!(out, "\n--- {status} {id} ({level:?}): {said}{more}");
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
        // Checks skipped for one reason are one entry: the reason once, then their ids.
        let mut skipped: Vec<(&str, Vec<String>)> = Vec::new();
        for r in (self.results.iter()).filter(|r| r.outcome == Outcome::Skipped && !after_loss(r)) {
            let message = r.message.as_deref().unwrap_or("");
            let id = format!("{} ({:?})", r.id, r.level);
            match skipped.iter_mut().find(|(m, _)| *m == message) {
                Some((_, ids)) => ids.push(id),
                None => skipped.push((message, vec![id])),
            }
        }
        for (message, ids) in skipped {
            let _ = writeln!(out, "\n--- skipped {}: {message}", ids.join(", "));
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
                "\nshort summary: {n} cause{plural} of {failed} failed check{}",
                if failed == 1 { "" } else { "s" }
            );
            for cause in &causes {
                let root = cause[0];
                let follow = match cause.len() - 1 {
                    0 => String::new(),
                    n => format!(" (+{n} follow)"),
                };
                let said = one_line(&said(root), 160);
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
        format!("cause:   {}", one_line(said, 240)),
    );
    out.push("(the diff and calls: run the reproduce command, or see --log-dir / --json)".into());
    out.join("\n")
}

/// The lines that open a part of a failure's message.
const HEADERS: [&str; 6] = [
    "clause:",
    "failure: ",
    "cause:   ",
    "diff (",
    "calls that led here",
    "reproduce:",
];

/// `text` in one line of at most `max` bytes: its lines joined, up to a traceback.
fn one_line(text: &str, max: usize) -> String {
    let lines = text.lines().map(str::trim);
    let told = lines.take_while(|l| !l.starts_with("Traceback") && !l.starts_with("File \""));
    let told: Vec<&str> = told.filter(|l| !l.is_empty()).collect();
    crate::toolkit::shorten(&told.join(" "), max, 0)
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
        // What the check told and its cause, in one line each; the lines that went on (a
        // traceback) are in --verbose, --json and the reproduce command.
        let header = HEADERS.iter().any(|h| line.starts_with(h));
        if section == "told" && !header {
            continue;
        }
        if line.starts_with("cause:   ") {
            section = "told";
            continue;
        }
        if let Some(what) = line.strip_prefix("failure: ") {
            section = "told";
            if one_line(what, 240) != one_line(said, 240) {
                out.push(format!("failure: {}", one_line(what, 240)));
            }
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
            out.push(format!("cause:   {}", one_line(said, 400)));
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
