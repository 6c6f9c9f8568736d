//! The executable contract: `MemoryLimani`, an in-memory harbor that is right by definition.
//! Every harbor under test is compared with it; its rules live in [`rules`].

mod rule;
pub mod rules;

pub use rule::Rule;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::json::Json;

use crate::error::{LimaniError, Result};
use crate::limani::Limani;
use crate::records::{
    FactLog, HostId, HostRecord, NewFactLog, NewOperation, NewRun, NewSnapshot, OperationRecord,
    RunData, RunRecord, RunStatus, SnapshotRecord, SummaryStats,
};

/// The contract as a harbor: thread-safe, in memory, ids numbered from 1 as SQLite does.
///
/// A call checks its values first (status, finite times), then that the run
/// exists, then that the host belongs to the run; the first failure is its error.
#[derive(Debug, Default)]
pub struct MemoryLimani {
    logbook: Mutex<Logbook>,
}

/// Everything the model has stored, in insertion order.
#[derive(Clone, Debug, Default)]
struct Logbook {
    runs: Vec<RunRecord>,
    run_index: HashMap<String, usize>,
    hosts: Vec<(HostId, String, String)>,
    host_index: HashMap<(String, String), HostId>,
    operations: Vec<OperationRecord>,
    snapshots: Vec<SnapshotRecord>,
    fact_logs: Vec<FactLog>,
}

impl MemoryLimani {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when the run was created.
    pub fn has_run(&self, run_id: &str) -> bool {
        self.lock().run_index.contains_key(run_id)
    }

    /// The durations of the run's operations, in insertion order (for [`rules::total_duration_accepted`]).
    pub fn durations(&self, run_id: &str) -> Vec<f64> {
        let logbook = self.lock();
        let operations = logbook.operations.iter().filter(|o| o.run_id == run_id);
        operations.map(|o| o.duration).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Logbook> {
        self.logbook
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Logbook {
    /// The run to update; an unknown run is `UnknownRun`.
    fn run_mut(&mut self, run_id: &str) -> Result<&mut RunRecord> {
        let index = *self
            .run_index
            .get(run_id)
            .ok_or_else(|| LimaniError::UnknownRun {
                run_id: run_id.to_owned(),
            })?;
        Ok(&mut self.runs[index])
    }

    fn require_run(&self, run_id: &str) -> Result<()> {
        match self.run_index.contains_key(run_id) {
            true => Ok(()),
            false => Err(LimaniError::UnknownRun {
                run_id: run_id.to_owned(),
            }),
        }
    }

    /// The name of `host_id` if it is a host of `run_id`.
    fn host_of_run(&self, run_id: &str, host_id: HostId) -> Result<String> {
        self.require_run(run_id)?;
        let (_, host_run, name) = usize::try_from(host_id - 1)
            .ok()
            .and_then(|i| self.hosts.get(i))
            .filter(|(_, host_run, _)| host_run == run_id)
            .ok_or_else(|| LimaniError::UnknownHost {
                run_id: run_id.to_owned(),
                host_id,
            })?;
        debug_assert_eq!(host_run, run_id);
        Ok(name.clone())
    }
}

fn sorted_by_time<T: Clone>(
    rows: impl Iterator<Item = T>,
    key: impl Fn(&T) -> (f64, i64),
) -> Vec<T> {
    let mut rows: Vec<T> = rows.collect();
    rows.sort_by(|a, b| rules::time_then_insertion(key(a), key(b)));
    rows
}

impl Limani for MemoryLimani {
    fn connect(&self) -> Result<()> {
        Ok(())
    }

    fn disconnect(&self) -> Result<()> {
        Ok(())
    }

    /// `init_db` creates only what is missing: a second call keeps every run.
    fn init_db(&self) -> Result<()> {
        Ok(())
    }

    /// A new run starts `in_progress`; `create_run` returns the id it was given; a run id is unique.
    fn create_run(&self, run: &NewRun) -> Result<String> {
        rules::finite("start_time", run.start_time)?;
        let mut logbook = self.lock();
        if logbook.run_index.contains_key(&run.run_id) {
            return Err(LimaniError::DuplicateRun {
                run_id: run.run_id.clone(),
            });
        }
        let index = logbook.runs.len();
        logbook.run_index.insert(run.run_id.clone(), index);
        logbook.runs.push(RunRecord {
            id: run.run_id.clone(),
            run_id_human: run.run_id_human.clone(),
            start_time: run.start_time,
            end_time: None,
            status: RunStatus::InProgress,
            summary: None,
            hailer: Some(run.hailer_info.clone()),
            required_secrets: run.required_secrets.clone(),
        });
        Ok(run.run_id.clone())
    }

    /// A status update sets the run's status to any valid status; an unknown run gets nothing.
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let status = RunStatus::parse(status)?;
        self.lock().run_mut(run_id)?.status = status;
        Ok(())
    }

    /// The end-of-run update stores end time, status and summary exactly; an unknown run gets nothing.
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        let status = RunStatus::parse(status)?;
        rules::finite("end_time", end_time)?;
        let mut logbook = self.lock();
        let run = logbook.run_mut(run_id)?;
        run.end_time = Some(end_time);
        run.status = status;
        run.summary = Some(summary.clone());
        Ok(())
    }

    /// A host is created once per run and name; asking again gives the same id; runs never share hosts.
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let mut logbook = self.lock();
        logbook.require_run(run_id)?;
        let key = (run_id.to_owned(), host_name.to_owned());
        if let Some(id) = logbook.host_index.get(&key) {
            return Ok(*id);
        }
        let id = logbook.hosts.len() as HostId + 1;
        logbook.hosts.push((id, key.0.clone(), key.1.clone()));
        logbook.host_index.insert(key, id);
        Ok(id)
    }

    /// An operation is stored exactly, for a host of its own run.
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        rules::finite("duration", operation.duration)?;
        rules::finite("timestamp", operation.timestamp)?;
        let mut logbook = self.lock();
        logbook.host_of_run(&operation.run_id, operation.host_id)?;
        let id = logbook.operations.len() as i64 + 1;
        logbook.operations.push(operation.stored(id));
        Ok(())
    }

    /// A snapshot is stored exactly, for a host of its own run, and read back with that host's name.
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        rules::finite("timestamp", snapshot.timestamp)?;
        let mut logbook = self.lock();
        let host_name = logbook.host_of_run(&snapshot.run_id, snapshot.host_id)?;
        let id = logbook.snapshots.len() as i64 + 1;
        logbook.snapshots.push(SnapshotRecord {
            id,
            run_id: snapshot.run_id.clone(),
            host_id: snapshot.host_id,
            stage: Some(snapshot.stage.clone()),
            timestamp: snapshot.timestamp,
            metrics: Some(snapshot.metrics.clone()),
            host_name,
        });
        Ok(())
    }

    /// A fact log is stored exactly, for a known run.
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        rules::finite("timestamp", fact_log.timestamp)?;
        let mut logbook = self.lock();
        logbook.require_run(&fact_log.run_id)?;
        let id = logbook.fact_logs.len() as i64 + 1;
        logbook.fact_logs.push(fact_log.stored(id));
        Ok(())
    }

    /// A timespan read gives that run's fact logs in `[start, end)`, by timestamp then insertion.
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        rules::timespan_bounds(start_time, end_time)?;
        let logbook = self.lock();
        let rows = logbook.fact_logs.iter().filter(|f| {
            f.run_id == run_id && rules::in_timespan(f.timestamp, start_time, end_time)
        });
        Ok(sorted_by_time(rows.cloned(), |f| (f.timestamp, f.id)))
    }

    /// Summary stats count the run's operations; an unknown run gives zeros.
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        let logbook = self.lock();
        let operations = logbook.operations.iter().filter(|o| o.run_id == run_id);
        Ok(rules::summary_stats(
            operations.map(|o| (o.changed, o.success, o.duration)),
        ))
    }

    /// Run data lists hosts in creation order (with no operations too; any order is accepted, see
    /// [`rules::hosts_in_model_order`]), every other list by timestamp then insertion; `None` for an unknown run.
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let logbook = self.lock();
        let Some(&index) = logbook.run_index.get(run_id) else {
            return Ok(None);
        };
        let hosts = logbook
            .hosts
            .iter()
            .filter(|(_, host_run, _)| host_run == run_id)
            .map(|(id, _, name)| HostRecord {
                id: *id,
                run_id: run_id.to_owned(),
                name: name.clone(),
                summary: None,
                operations: sorted_by_time(
                    logbook
                        .operations
                        .iter()
                        .filter(|o| o.host_id == *id)
                        .cloned(),
                    |o| (o.timestamp, o.id),
                ),
            })
            .collect();
        let snapshots = logbook.snapshots.iter().filter(|s| s.run_id == run_id);
        let fact_logs = logbook.fact_logs.iter().filter(|f| f.run_id == run_id);
        Ok(Some(RunData {
            run: logbook.runs[index].clone(),
            hosts,
            snapshots: sorted_by_time(snapshots.cloned(), |s| (s.timestamp, s.id)),
            fact_logs: sorted_by_time(fact_logs.cloned(), |f| (f.timestamp, f.id)),
        }))
    }
}
