//! A call's outcome as the contract sees it: the harbor's agrees with the model's, and how a
//! failure shows it.

use limani_contract::Exact;
use serde::Serialize;

use crate::error::Result;
use crate::model::rules;
use crate::show::to_exact;

/// An outcome as a failure shows it; a call whose value is not compared shows as accepted.
pub fn outcome<T: Serialize>(r: &Result<T>) -> Exact {
    match r {
        Ok(v) => match to_exact(v) {
            Exact::Null => Exact::Object(vec![("Ok".into(), Exact::Str("accepted".into()))]),
            v => Exact::Object(vec![("Ok".into(), v)]),
        },
        Err(e) => Exact::Object(vec![("Err".into(), to_exact(&e.kind()))]),
    }
}

/// A write's outcome on the harbor agrees with the model's: both succeed, or fail with one kind;
/// an update of an unknown run may also be ignored or rejected otherwise, as the rule allows.
pub(crate) fn outcomes_agree(
    harbor: &Result<()>,
    model: &Result<()>,
    update_of_unknown_run: bool,
) -> bool {
    match (harbor, model) {
        _ if update_of_unknown_run => rules::unknown_run_update_allowed(harbor, model),
        (Ok(()), Ok(())) => true,
        (Err(h), Err(m)) => h.kind() == m.kind(),
        _ => false,
    }
}
