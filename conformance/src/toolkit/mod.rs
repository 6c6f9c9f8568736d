//! The checks' toolkit: what a check is ([`Check`]), what it is given ([`Ctx`]), and what it
//! compares with ([`Twin`], the harbor beside the model), traces ([`Probe`]) and reports
//! ([`Failure`]). Checks of the kit and a harbor's own checks are written with it.

pub mod cause;
pub mod classify;
mod difference;
pub mod failed_call;
pub mod failure;
pub(crate) mod meeting;
pub mod outcome;
pub mod probe;
mod renaming;
pub use limani_fixtures::sample;
pub mod settings;
#[cfg(feature = "tokio")]
pub mod tasks;
pub mod twin;
#[cfg(feature = "tokio")]
pub mod yielding;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use failure::{Failure, Verdict};
pub use probe::{label_thread, Probe};
pub use twin::Twin;

use crate::limani::Limani;
use crate::records::{NewRun, Revision};

pub use limani_fixtures::shorten;

/// How much a check matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The Logbook breaks without it.
    Required,
    /// Stricter than the Logbook needs; a good harbor keeps it.
    Recommended,
}

/// What a check needs from the harbor beyond the trait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Nothing,
    /// A `reopen` closure: the harbor is persistent.
    Reopen,
    /// A persistent harbor declared crashable: `crash()` kills it as SIGKILL would.
    Crash,
}

/// One check of the contract.
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable id, `group::name`.
    pub id: &'static str,
    pub group: &'static str,
    pub level: Level,
    /// The contract clause, one sentence (the first line of the check's doc comment).
    pub clause: &'static str,
    /// The rest of the doc comment, as written; read it with [`Check::why`].
    pub rationale: &'static str,
    pub need: Need,
    pub run: fn(&Ctx) -> Verdict,
}

/// Opens the same store anew, for durability checks.
pub type Reopen = Arc<dyn Fn() -> Box<dyn Limani> + Send + Sync>;

/// What a check is given: the traced harbor, fresh names, and the suite's settings.
pub struct Ctx {
    harbor: Probe,
    revision: Revision,
    reopen: Option<Reopen>,
    property: settings::Settings,
    prefix: String,
    #[cfg(feature = "tokio")]
    tasks: Option<(tasks::TaskFactory, std::time::Duration)>,
}

static NONCE: AtomicU64 = AtomicU64::new(0);

impl Ctx {
    pub(crate) fn new(
        harbor: Probe,
        check: &Check,
        revision: Revision,
        reopen: Option<Reopen>,
        property: settings::Settings,
    ) -> Self {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let nonce =
            clock ^ (u64::from(std::process::id()) << 32) ^ NONCE.fetch_add(1, Ordering::Relaxed);
        Ctx {
            harbor,
            revision,
            reopen,
            property,
            prefix: format!("kit-{}-{nonce:x}", check.id.replace("::", "-")),
            #[cfg(feature = "tokio")]
            tasks: None,
        }
    }

    /// The same context, with the async harbor's factory and the time a call may take (for
    /// the `tasks` checks).
    #[cfg(feature = "tokio")]
    pub(crate) fn with_tasks(
        mut self,
        tasks: Option<(tasks::TaskFactory, std::time::Duration)>,
    ) -> Self {
        self.tasks = tasks;
        self
    }

    /// Makes async harbors of the kind under test, when it is an async harbor, and the time a
    /// call may take.
    #[cfg(feature = "tokio")]
    pub fn tasks(&self) -> Option<&(tasks::TaskFactory, std::time::Duration)> {
        self.tasks.as_ref()
    }

    /// The harbor under test, traced.
    pub fn harbor(&self) -> &Probe {
        &self.harbor
    }

    /// The harbor beside a fresh model.
    pub fn twin(&self) -> Twin<'_> {
        Twin::new(&self.harbor)
    }

    /// A run id no other check uses: checks can share one store.
    pub fn run_id(&self, n: usize) -> String {
        format!("{}-{n}", self.prefix)
    }

    /// A realistic new run `n`, for the harbor's `create_run` revision.
    pub fn new_run(&self, n: usize) -> NewRun {
        sample::run(&self.run_id(n), self.revision)
    }

    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// How the property part runs (cases, seed, regressions file).
    pub fn property(&self) -> &settings::Settings {
        &self.property
    }

    /// Opens the same store anew, traced into the same call log.
    pub fn reopen(&self) -> Option<Probe> {
        self.reopen
            .as_ref()
            .map(|reopen| self.harbor.with_harbor(Arc::from(reopen())))
    }
}

/// The checks of one group, named and described from the group's source file: a check's
/// clause and rationale are the doc comment of its function there.
pub(crate) struct Group {
    name: &'static str,
    source: &'static str,
}

impl Group {
    pub(crate) fn new(name: &'static str, source: &'static str) -> Self {
        Group { name, source }
    }

    /// The check `fn name(ctx: &Ctx) -> Verdict` of this group, at `level`.
    pub(crate) fn check(
        &self,
        level: Level,
        name: &'static str,
        run: fn(&Ctx) -> Verdict,
    ) -> Check {
        let (clause, rationale) = split_doc(doc_comment(self.source, name));
        let id: &'static str = Box::leak(format!("{}::{name}", self.name).into_boxed_str());
        Check {
            id,
            group: self.name,
            level,
            clause,
            rationale,
            need: Need::Nothing,
            run,
        }
    }
}

impl Check {
    /// The same check, run only when the harbor offers `need`.
    pub(crate) fn needs(mut self, need: Need) -> Self {
        self.need = need;
        self
    }

    /// A check of the harbor's own, run with the kit's: `id` names it in reports
    /// (`group::name`), `clause` is the sentence its failure quotes.
    pub fn custom(
        id: &'static str,
        level: Level,
        clause: &'static str,
        run: fn(&Ctx) -> Verdict,
    ) -> Check {
        let group = id.split_once("::").map_or(id, |(group, _)| group);
        Check {
            id,
            group,
            level,
            clause,
            rationale: "",
            need: Need::Nothing,
            run,
        }
    }
}

/// The `///` lines right above `fn name(` in `source` (empty when there are none).
fn doc_comment(source: &'static str, name: &str) -> &'static str {
    let Some(at) = source.find(&format!("\nfn {name}(")) else {
        return "";
    };
    let (mut start, mut end) = (at, at);
    while let Some(newline) = source[..end].rfind('\n') {
        if !source[newline + 1..end].starts_with("///") {
            break;
        }
        (start, end) = (newline + 1, newline);
    }
    &source[start..at]
}

/// A check's doc comment as (clause, rationale): its first paragraph, and the rest. The
/// clause comes back as one line.
fn split_doc(doc: &'static str) -> (&'static str, &'static str) {
    let doc = doc.trim_start();
    let end = doc.find("\n///\n").unwrap_or(doc.len());
    let (clause, rest) = doc.split_at(end);
    let lines = clause
        .lines()
        .map(|l| l.trim().trim_start_matches("///").trim());
    let clause: &'static str = Box::leak(lines.collect::<Vec<_>>().join(" ").into_boxed_str());
    (clause, rest)
}

impl Check {
    /// Why the check matters, in one paragraph: for a required check the real Logbook
    /// behaviour it protects, for a recommended one why it is stricter than the Logbook needs.
    pub fn why(&self) -> String {
        let lines: Vec<&str> = (self.rationale.lines())
            .map(|l| l.trim().trim_start_matches("///").trim())
            .filter(|l| !l.is_empty())
            .collect();
        lines.join(" ")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_text_keeps_its_ends_and_says_how_long_it_was() {
        let text = format!("{}{}", "a".repeat(100), "é".repeat(100));
        assert_eq!(super::shorten(&text, 3, 2), "aaa…[300 bytes in all]…éé");
        assert_eq!(super::shorten(&text, 3, 0), "aaa…[300 bytes in all]");
        assert_eq!(super::shorten("short", 3, 0), "short");
    }
}
