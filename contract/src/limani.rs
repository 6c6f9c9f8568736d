//! The `Limani` trait: the 13 methods through which the Logbook stores a run.
//! Method names and order follow the abstract class of Ch-aOS.

use crate::error::Result;
use crate::json::Json;
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, RunData, SummaryStats,
};

/// A harbor: where the Logbook of `chaos apply --logbook` is stored.
///
/// The Logbook calls a harbor from two threads at once (a writer thread and
/// the main thread), so every method takes `&self` and a harbor is `Send + Sync`.
/// Statuses are strings, as the Logbook sends them; a harbor rejects any
/// status but `in_progress`, `success` and `failure`.
pub trait Limani: Send + Sync {
    /// Opens what the calling thread needs to reach the store.
    fn connect(&self) -> Result<()>;
    /// Releases what `connect` opened; later calls may connect again.
    fn disconnect(&self) -> Result<()>;
    /// Creates the store's structures if they do not exist; keeps existing data.
    fn init_db(&self) -> Result<()>;
    /// Stores a new run with status `in_progress` and returns its id.
    fn create_run(&self, run: &NewRun) -> Result<String>;
    /// Sets the status of a run.
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()>;
    /// Sets the end time, final status and summary of a run.
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()>;
    /// Returns the id of the host named `host_name` in the run, creating it once.
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId>;
    /// Stores an operation of a host of a run.
    fn insert_operation(&self, operation: &NewOperation) -> Result<()>;
    /// Stores a resource snapshot of a host of a run.
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()>;
    /// Stores a fact log of a run.
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()>;
    /// Returns the fact logs of the run with `start_time <= timestamp < end_time`.
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>>;
    /// Returns the operation counts and total duration of a run.
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats>;
    /// Returns everything stored for a run, or `None` for an unknown run.
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>>;

    /// For certification only: what the Logbook's `end_run` reads through the harbor's own
    /// `connect()`: `connect().execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()`.
    /// `None` (the default) when the harbor has no such connection to offer, as Rust harbors do not.
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        let _ = run_id;
        None
    }

    /// For certification only: stops the harbor abruptly, as a crash (SIGKILL) would,
    /// and returns true; a harbor that cannot be crashed returns false (the default).
    fn crash(&self) -> bool {
        false
    }
}

macro_rules! forward_limani {
    ($($ptr:ty),*) => {$(
        impl<T: Limani + ?Sized> Limani for $ptr {
            fn connect(&self) -> Result<()> { (**self).connect() }
            fn disconnect(&self) -> Result<()> { (**self).disconnect() }
            fn init_db(&self) -> Result<()> { (**self).init_db() }
            fn create_run(&self, run: &NewRun) -> Result<String> { (**self).create_run(run) }
            fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
                (**self).start_update_run(run_id, status)
            }
            fn end_run_update(&self, run_id: &str, end_time: f64, status: &str, summary: &Json)
                -> Result<()> {
                (**self).end_run_update(run_id, end_time, status, summary)
            }
            fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
                (**self).get_or_create_host(run_id, host_name)
            }
            fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
                (**self).insert_operation(operation)
            }
            fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
                (**self).insert_snapshot(snapshot)
            }
            fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
                (**self).insert_fact_log(fact_log)
            }
            fn get_facts_for_timespan(&self, run_id: &str, start_time: f64, end_time: f64)
                -> Result<Vec<FactLog>> {
                (**self).get_facts_for_timespan(run_id, start_time, end_time)
            }
            fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
                (**self).get_run_summary_stats(run_id)
            }
            fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
                (**self).get_run_data(run_id)
            }
            fn crash(&self) -> bool {
                (**self).crash()
            }
            fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
                (**self).status_through_connect(run_id)
            }
        }
    )*};
}

forward_limani!(Box<T>, std::sync::Arc<T>, &T);
