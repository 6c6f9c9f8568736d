//! `AsyncLimani`: the same 13 methods, records and errors as [`crate::Limani`], for harbors on
//! an async runtime (tokio-postgres, sqlx, cloud SDKs). Futures are `Send`: the kit runs the
//! Logbook's writer and main thread as two tasks of a multi-threaded runtime.

use std::future::Future;

use crate::error::Result;
use crate::json::Json;
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, RunData, SummaryStats,
};

/// An async harbor. Implement it with `async fn`; the contract is [`crate::Limani`]'s, method
/// for method.
pub trait AsyncLimani: Send + Sync {
    /// Opens what the calling task needs to reach the store.
    fn connect(&self) -> impl Future<Output = Result<()>> + Send;
    /// Releases what `connect` opened; later calls may connect again.
    fn disconnect(&self) -> impl Future<Output = Result<()>> + Send;
    /// Creates the store's structures if they do not exist; keeps existing data.
    fn init_db(&self) -> impl Future<Output = Result<()>> + Send;
    /// Stores a new run with status `in_progress` and returns its id.
    fn create_run(&self, run: &NewRun) -> impl Future<Output = Result<String>> + Send;
    /// Sets the status of a run.
    fn start_update_run(
        &self,
        run_id: &str,
        status: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Sets the end time, final status and summary of a run.
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Returns the id of the host named `host_name` in the run, creating it once.
    fn get_or_create_host(
        &self,
        run_id: &str,
        host_name: &str,
    ) -> impl Future<Output = Result<HostId>> + Send;
    /// Stores an operation of a host of a run.
    fn insert_operation(&self, operation: &NewOperation)
        -> impl Future<Output = Result<()>> + Send;
    /// Stores a resource snapshot of a host of a run.
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> impl Future<Output = Result<()>> + Send;
    /// Stores a fact log of a run.
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> impl Future<Output = Result<()>> + Send;
    /// Returns the fact logs of the run with `start_time <= timestamp < end_time`.
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> impl Future<Output = Result<Vec<FactLog>>> + Send;
    /// Returns the operation counts and total duration of a run.
    fn get_run_summary_stats(
        &self,
        run_id: &str,
    ) -> impl Future<Output = Result<SummaryStats>> + Send;
    /// Returns everything stored for a run, or `None` for an unknown run.
    fn get_run_data(&self, run_id: &str) -> impl Future<Output = Result<Option<RunData>>> + Send;
}
