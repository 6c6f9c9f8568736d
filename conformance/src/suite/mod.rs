//! The conformance suite: every check of the contract, run against any harbor.
//! Start with [`run_all`], or [`Suite`] for control, or the [`suite!`](crate::suite!) macro.

mod config;
pub mod failure;
#[doc(hidden)]
pub mod macros;
pub mod probe;
pub mod report;
mod runner;
pub mod sample;
pub mod twin;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use config::{run_all, Suite};
pub use failure::{Failure, Verdict};
pub use probe::{label_thread, Probe};
pub use report::{CheckResult, Outcome, Report};
pub use sample::Revision;
pub use twin::Twin;

use crate::limani::Limani;
use crate::records::NewRun;

/// Every check of the suite, in report order.
pub fn all_checks() -> Vec<Check> {
    crate::checks::all()
}

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
    property: crate::property::Settings,
    prefix: String,
}

static NONCE: AtomicU64 = AtomicU64::new(0);

impl Ctx {
    fn new(
        harbor: Probe,
        check: &Check,
        revision: Revision,
        reopen: Option<Reopen>,
        property: crate::property::Settings,
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
        }
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
    pub fn property(&self) -> &crate::property::Settings {
        &self.property
    }

    /// Opens the same store anew, traced into the same call log.
    pub fn reopen(&self) -> Option<Probe> {
        self.reopen
            .as_ref()
            .map(|reopen| self.harbor.with_harbor(Arc::from(reopen())))
    }
}

/// Declares a group's checks: each is a function whose doc comment's first line is its clause
/// and whose further lines say which Logbook behaviour it protects.
macro_rules! checks {
    (@need) => { $crate::suite::Need::Nothing };
    (@need $need:ident) => { $crate::suite::Need::$need };
    (group $group:literal; $( $( #[doc = $doc:literal] )+ $level:ident $(needs $need:ident)? fn $name:ident($ctx:ident) $body:block )*) => {
        $( $( #[doc = $doc] )+ fn $name($ctx: &$crate::suite::Ctx) -> $crate::suite::Verdict $body )*

        /// The checks of this group, in order.
        pub(crate) fn checks() -> Vec<$crate::suite::Check> {
            vec![$( {
                let (clause, rationale) = $crate::suite::split_doc(concat!($($doc, "\n"),+));
                $crate::suite::Check {
                    id: concat!($group, "::", stringify!($name)),
                    group: $group,
                    level: $crate::suite::Level::$level,
                    clause,
                    rationale,
                    need: checks!(@need $($need)?),
                    run: $name,
                }
            } ),*]
        }
    };
}
pub(crate) use checks;

/// A check's doc comment as (clause, rationale): its first line, and the rest.
pub(crate) fn split_doc(doc: &'static str) -> (&'static str, &'static str) {
    let doc = doc.trim_start();
    let (clause, rest) = doc.split_once('\n').unwrap_or((doc, ""));
    (clause.trim(), rest)
}

impl Check {
    /// Why the check matters, in one paragraph: for a required check the real Logbook
    /// behaviour it protects, for a recommended one why it is stricter than the Logbook needs.
    pub fn why(&self) -> String {
        let lines: Vec<&str> = (self.rationale.lines().map(str::trim))
            .filter(|l| !l.is_empty())
            .collect();
        lines.join(" ")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_suite_macro_lists_every_check_once() {
        let registry: Vec<&str> = super::all_checks().iter().map(|c| c.id).collect();
        assert_eq!(
            super::macros::SUITE_MACRO_IDS,
            registry.as_slice(),
            "update conformance/src/suite/macros.rs"
        );
    }
}
