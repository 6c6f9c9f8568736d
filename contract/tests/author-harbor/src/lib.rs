//! A harbor that keeps the Logbook in memory, written against `limani-contract` only.

use std::sync::Mutex;

use limani_contract::{
    FactLog, HostId, Json, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot,
    Result, RunData, SummaryStats,
};

/// Runs by id, with their summaries as the text the Logbook sent.
#[derive(Default)]
pub struct Notebook {
    runs: Mutex<Vec<(String, Option<Json>)>>,
}

impl Notebook {
    fn known(&self, run_id: &str) -> Result<()> {
        let runs = self.runs.lock().unwrap();
        match runs.iter().any(|(id, _)| id == run_id) {
            true => Ok(()),
            false => Err(LimaniError::UnknownRun { run_id: run_id.into() }),
        }
    }
}

impl Limani for Notebook {
    fn connect(&self) -> Result<()> {
        Ok(())
    }
    fn disconnect(&self) -> Result<()> {
        Ok(())
    }
    fn init_db(&self) -> Result<()> {
        Ok(())
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        self.runs.lock().unwrap().push((run.run_id.clone(), None));
        Ok(run.run_id.clone())
    }
    fn start_update_run(&self, run_id: &str, _status: &str) -> Result<()> {
        self.known(run_id)
    }
    fn end_run_update(&self, run_id: &str, _end: f64, _status: &str, summary: &Json) -> Result<()> {
        let mut runs = self.runs.lock().unwrap();
        for (id, stored) in runs.iter_mut().filter(|(id, _)| id == run_id) {
            let _ = id;
            *stored = Some(summary.clone());
        }
        Ok(())
    }
    fn get_or_create_host(&self, run_id: &str, _host_name: &str) -> Result<HostId> {
        self.known(run_id).map(|()| 1)
    }
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        self.known(&operation.run_id)
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.known(&snapshot.run_id)
    }
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        self.known(&fact_log.run_id)
    }
    fn get_facts_for_timespan(&self, _run_id: &str, _start: f64, _end: f64) -> Result<Vec<FactLog>> {
        Ok(Vec::new())
    }
    fn get_run_summary_stats(&self, _run_id: &str) -> Result<SummaryStats> {
        Ok(SummaryStats {
            total_operations: 0,
            changed_operations: 0,
            successful_operations: 0,
            failed_operations: 0,
            total_duration: 0.0,
        })
    }
    fn get_run_data(&self, _run_id: &str) -> Result<Option<RunData>> {
        Ok(None)
    }
}

/// The author's own use of serde_json: with default features, maps are sorted.
pub fn keys_of(text: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    value.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}
