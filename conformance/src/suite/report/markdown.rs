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
        out.push_str("| check | level | status | clause |\n|---|---|---|---|\n");
        for r in &self.results {
            let level = format!("{:?}", r.level).to_lowercase();
            let clause = r.clause.replace('|', "\\|");
            let _ = writeln!(
                out,
                "| `{}` | {level} | {} | {clause} |",
                r.id,
                self.status(r)
            );
        }
        for r in self.results.iter().filter(|r| r.outcome == Outcome::Failed) {
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
