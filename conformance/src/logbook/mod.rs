//! The v1 logbook: the JSON file `chaos apply --logbook -x` writes, byte for byte as Ch-aOS 0.7
//! writes it from the same run data (`export`), and read back into a harbor (`import`).

mod compare;
mod cross_refs;
mod export;
mod fields;
mod import;
pub mod pyjson;

pub use compare::same_logbook;
pub use export::{export, export_run, export_run_in, export_with, fact_row, HostOrder, Summation};
pub use import::{import, Logbook};

/// Imports `text` into `harbor`, exports the run again, and checks that the same document
/// came back ([`same_logbook`]: ids up to one renaming per kind). Returns the export, or what
/// differs.
pub fn round_trip(text: &str, harbor: &dyn limani_contract::Limani) -> Result<String, String> {
    let logbook = Logbook::parse(text)?;
    let run_id = import(&logbook, harbor)?;
    let again = match export_run(harbor, &run_id) {
        Ok(Some(again)) => again,
        Ok(None) => return Err(format!("the imported run {run_id} is not in the store")),
        Err(e) => return Err(format!("exporting {run_id} failed: {e}")),
    };
    same_logbook(text, &again)
        .map(|()| again)
        .map_err(|e| format!("the round trip changed the document: {e}"))
}
