//! The runner: which checks to run against which harbor ([`Suite`], [`run_all`]), and the
//! [`Report`] of a run. The checks come from the crate's `checks` module, one file per group.

mod builder;
pub mod cookbook;
mod harness;
pub mod report;
mod runner;

pub use builder::{run_all, Suite};
pub use harness::{harness, harness_with};
pub use report::{CheckResult, Outcome, Report};

use crate::toolkit::Check;

/// Every check of the suite, in report order.
pub fn all_checks() -> Vec<Check> {
    crate::checks::all()
}
