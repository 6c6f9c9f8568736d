//! [`Yielding`]: a sync harbor as an async one, the contract's own async harbor.

use limani_contract::AsyncLimani;

use crate::error::Result;
use crate::json::Json;
use crate::limani::Limani;
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, RunData, SummaryStats,
};

/// A sync harbor as an async one: each call yields to the runtime once, then runs.
/// `Yielding(MemoryLimani::new())` is the contract as an async harbor.
pub struct Yielding<L>(pub L);

impl<L: Limani> AsyncLimani for Yielding<L> {
    async fn connect(&self) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.connect()
    }
    async fn disconnect(&self) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.disconnect()
    }
    async fn init_db(&self) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.init_db()
    }
    async fn create_run(&self, run: &NewRun) -> Result<String> {
        tokio::task::yield_now().await;
        self.0.create_run(run)
    }
    async fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.start_update_run(run_id, status)
    }
    async fn end_run_update(
        &self,
        run_id: &str,
        end: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.end_run_update(run_id, end, status, summary)
    }
    async fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        tokio::task::yield_now().await;
        self.0.get_or_create_host(run_id, host_name)
    }
    async fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.insert_operation(operation)
    }
    async fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.insert_snapshot(snapshot)
    }
    async fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        tokio::task::yield_now().await;
        self.0.insert_fact_log(fact_log)
    }
    async fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start: f64,
        end: f64,
    ) -> Result<Vec<FactLog>> {
        tokio::task::yield_now().await;
        self.0.get_facts_for_timespan(run_id, start, end)
    }
    async fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        tokio::task::yield_now().await;
        self.0.get_run_summary_stats(run_id)
    }
    async fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        tokio::task::yield_now().await;
        self.0.get_run_data(run_id)
    }
}
