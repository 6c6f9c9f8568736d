//! The report as Markdown: a certificate line to paste into a harbor's README, the counts,
//! every check, and the failures in full.

use std::fmt::Write;

use super::{bound, Outcome, Report, CONTRACT_REVISION};

impl Report {
    /// One line for a harbor's README: kit version, contract revision, verdict, date.
    pub fn certificate(&self) -> String {
        format!(
            "**limani-kit {}** · contract `{CONTRACT_REVISION}` · **{}** · {}",
            env!("CARGO_PKG_VERSION"),
            self.verdict().as_str(),
            &super::json::utc_now()[..10]
        )
    }

    /// A Markdown summary (for a CI job summary or a README): the certificate line, the
    /// counts, a table of every check, then failures with their messages.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "## Limani conformance: `{}`\n\n{}\n\n{}\n\n",
            self.harbor,
            self.certificate(),
            self.summary_line()
        );
        out.push_str("| check | level | status | cause | clause |\n|---|---|---|---|---|\n");
        for r in &self.results {
            let level = format!("{:?}", r.level).to_lowercase();
            let clause = r.clause.replace('|', "\\|");
            let cause = match (&r.cause, r.rule) {
                (Some(root), _) if *root != r.id => format!("follows from `{root}`"),
                (_, Some(rule)) => format!("root, rule `{rule}`"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {level} | {} | {cause} | {clause} |",
                r.id,
                self.status(r)
            );
        }
        // Each cause once, by its root; the checks that follow from it are in the table.
        let roots = self
            .results
            .iter()
            .filter(|r| r.cause.as_deref().is_none_or(|c| c == r.id));
        for r in roots.filter(|r| r.outcome == Outcome::Failed) {
            let message = r.message.as_deref().unwrap_or("");
            let fence = bound::fence_for(message);
            let _ = writeln!(
                out,
                "\n### {} `{}`\n\n{fence}text\n{message}\n{fence}",
                self.status(r),
                r.id
            );
        }
        out
    }
}
