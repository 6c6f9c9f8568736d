//! The trait's 13 methods (and the Logbook's status query) as bridge calls.

use conformance::{
    FactLog, HostId, Limani, LimaniError, NewFactLog, NewOperation, NewRun, NewSnapshot, Result,
    RunData, SummaryStats,
};
use serde_json::Value;

use super::ProcessLimani;
use crate::protocol::Call;
use crate::wire;

impl Limani for ProcessLimani {
    /// Asks the harbor process to run the Logbook's own status query on `connect()`'s connection.
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        let answer = self.call(Call::LogbookStatus {
            run_id: run_id.to_owned(),
        });
        if matches!(&answer, Ok(v) if v.get("offered") == Some(&Value::Bool(false))) {
            return None;
        }
        Some(answer.and_then(|v| match v {
            Value::Null => Ok(None),
            Value::String(status) => Ok(Some(status)),
            other => Err(LimaniError::invalid(
                "logbook_status result",
                format!("expected a status or no row, got {other}"),
            )),
        }))
    }

    /// SIGKILL, as a crash would.
    fn crash(&self) -> bool {
        self.kill();
        true
    }
    fn connect(&self) -> Result<()> {
        self.unit(Call::Connect {})
    }
    fn disconnect(&self) -> Result<()> {
        self.unit(Call::Disconnect {})
    }
    fn init_db(&self) -> Result<()> {
        self.unit(Call::InitDb {})
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        let value = self.call(Call::CreateRun { run: run.clone() })?;
        match value {
            Value::String(id) => Ok(id),
            Value::Null => Ok(String::new()),
            other => Err(LimaniError::invalid(
                "create_run result",
                format!("expected the run id, got {other}"),
            )),
        }
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.unit(Call::StartUpdateRun {
            run_id: run_id.to_owned(),
            status: status.to_owned(),
        })
    }
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &conformance::Json,
    ) -> Result<()> {
        self.unit(Call::EndRunUpdate {
            run_id: run_id.to_owned(),
            end_time,
            status: status.to_owned(),
            summary: summary.clone(),
        })
    }
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let value = self.call(Call::GetOrCreateHost {
            run_id: run_id.to_owned(),
            host_name: host_name.to_owned(),
        })?;
        value.as_i64().ok_or_else(|| {
            LimaniError::invalid(
                "get_or_create_host result",
                format!("expected an integer host id, got {value}"),
            )
        })
    }
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        self.unit(Call::InsertOperation {
            operation: operation.clone(),
        })
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.unit(Call::InsertSnapshot {
            snapshot: snapshot.clone(),
        })
    }
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        self.unit(Call::InsertFactLog {
            fact_log: fact_log.clone(),
        })
    }
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        let call = Call::GetFactsForTimespan {
            run_id: run_id.to_owned(),
            start_time,
            end_time,
        };
        wire::fact_rows("get_facts_for_timespan", &self.call(call)?)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        let call = Call::GetRunSummaryStats {
            run_id: run_id.to_owned(),
        };
        wire::summary("get_run_summary_stats", self.call(call)?)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        match self.call(Call::GetRunData {
            run_id: run_id.to_owned(),
        })? {
            Value::Null => Ok(None),
            rows => limani_fixtures::rows::from_rows(&rows).map(Some),
        }
    }
}
