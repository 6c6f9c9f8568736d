//! The runner: which checks to run against which harbor ([`Suite`], [`run_all`]), and the
//! [`Report`] of a run. The checks come from the crate's `checks` module, one file per group.

mod builder;
#[doc(hidden)]
pub mod macros;
pub mod report;
mod runner;

pub use builder::{run_all, Suite};
pub use report::{CheckResult, Outcome, Report};

use crate::toolkit::Check;

/// Every check of the suite, in report order.
pub fn all_checks() -> Vec<Check> {
    crate::checks::all()
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
