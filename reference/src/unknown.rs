//! What an update of an unknown run gives: the harbors' one rule for a write that matched no row.

/// An update that changed no row was for an unknown run.
pub(crate) fn unknown_if_none(updated: u64, run_id: &str) -> conformance::Result<()> {
    match updated {
        0 => Err(conformance::LimaniError::UnknownRun {
            run_id: run_id.to_owned(),
        }),
        _ => Ok(()),
    }
}
