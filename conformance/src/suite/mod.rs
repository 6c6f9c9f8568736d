//! The runner: which checks to run against which harbor ([`Suite`], [`run_all`]), and the
//! [`Report`] of a run. The checks come from the crate's `checks` module, one file per group.

mod builder;
pub mod cookbook;
mod harness;
pub mod report;
mod runner;
#[cfg(feature = "tokio")]
mod tasks;

pub use builder::{run_all, Suite};
pub use harness::{harness, harness_with};
pub use report::{CheckResult, Outcome, Report};
#[cfg(feature = "tokio")]
pub use tasks::{harness_async, run_all_async};

use crate::toolkit::Check;

/// Every check of the suite, in report order.
pub fn all_checks() -> Vec<Check> {
    crate::checks::all()
}

/// The checks only async harbors get (`Suite::new_async`), after all the others.
#[cfg(feature = "tokio")]
pub fn async_checks() -> Vec<Check> {
    crate::checks::tasks::checks()
}
