//! Every check of the contract, one file per group, each a small function whose
//! doc comment is the clause it enforces. `docs/contract.md` lists them all.

mod concurrency;
mod durability;
mod fidelity;
mod fixtures;
mod hosts;
mod lifecycle;
mod property;
mod queue;
mod records;
mod run_data;
mod summary;
#[cfg(feature = "tokio")]
pub(crate) mod tasks;
mod timespan;

use crate::error::Result;
use crate::toolkit::{Check, Failure};

/// Every check, in the order a report lists them (read from the sources once).
pub fn all() -> Vec<Check> {
    static ALL: std::sync::OnceLock<Vec<Check>> = std::sync::OnceLock::new();
    let all = ALL.get_or_init(|| {
        [
            lifecycle::checks(),
            hosts::checks(),
            records::checks(),
            timespan::checks(),
            summary::checks(),
            run_data::checks(),
            fidelity::checks(),
            concurrency::checks(),
            durability::checks(),
            property::checks(),
            fixtures::checks(),
        ]
        .concat()
    });
    all.clone()
}

/// A harbor call that must succeed; its error becomes the failure.
fn ok<T>(call: &str, result: Result<T>) -> std::result::Result<T, Failure> {
    result.map_err(|e| Failure::call(call, &e))
}

/// A host that must be created on both sides.
fn host(
    twin: &crate::toolkit::Twin,
    run_id: &str,
    name: &str,
) -> std::result::Result<i64, Failure> {
    twin.host(run_id, name)?.ok_or_else(|| {
        Failure::new(format!(
            "get_or_create_host({run_id:?}, {name:?}) was rejected"
        ))
    })
}

#[cfg(test)]
mod tests {
    /// Each check says its clause (one sentence) and why it matters: a function registered under
    /// a name that is not its own, or without a doc comment, would say nothing.
    #[test]
    fn every_check_has_a_clause_and_a_reason() {
        for check in super::all() {
            assert!(
                check.clause.ends_with('.') && check.clause.len() > 20,
                "{}: {:?}",
                check.id,
                check.clause
            );
            assert!(check.why().len() > 20, "{}: no reason given", check.id);
        }
    }
}
