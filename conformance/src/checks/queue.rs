//! The writes the Logbook queues for its writer thread, applied to a harbor or to the model.

use crate::records::{NewFactLog, NewOperation, NewSnapshot, RunData};
use crate::toolkit::{Failure, Twin};
use crate::Limani;

/// A write the Logbook queues for its writer thread.
#[derive(Clone)]
pub(super) enum Write {
    Fact(NewFactLog),
    Operation(Box<NewOperation>),
    Snapshot(NewSnapshot),
    Failure(String),
}

impl Write {
    pub(super) fn apply(&self, harbor: &dyn Limani) -> crate::Result<()> {
        match self {
            Write::Fact(f) => harbor.insert_fact_log(f),
            Write::Operation(o) => harbor.insert_operation(o),
            Write::Snapshot(s) => harbor.insert_snapshot(s),
            Write::Failure(run_id) => harbor.start_update_run(run_id, "failure"),
        }
    }

    /// Applies the write to the model, with the model's host ids (it takes every write the
    /// harbor acknowledged; a refusal is the kit's own fault, said so).
    pub(super) fn apply_to_model(&self, twin: &Twin) -> Result<(), Failure> {
        let model = twin.model();
        let applied = match self {
            Write::Operation(o) => model.insert_operation(&NewOperation {
                host_id: twin.model_host(o.host_id),
                ..(**o).clone()
            }),
            Write::Snapshot(s) => model.insert_snapshot(&NewSnapshot {
                host_id: twin.model_host(s.host_id),
                ..s.clone()
            }),
            other => other.apply(model),
        };
        applied.map_err(|e| Failure::new(format!("the kit's model refused a write: {e}")))
    }

    /// True when run data holds this write (fact logs by command, operations and snapshots by
    /// name and stage): for a write a crash interrupted, which may or may not have been stored.
    pub(super) fn is_in(&self, data: &RunData) -> bool {
        match self {
            Write::Fact(f) => {
                (data.fact_logs.iter()).any(|x| x.command.as_deref() == Some(&f.command))
            }
            Write::Operation(o) => {
                (data.hosts.iter().flat_map(|h| &h.operations)).any(|x| x.name == o.name)
            }
            Write::Snapshot(s) => data
                .snapshots
                .iter()
                .any(|x| x.stage.as_deref() == Some(&s.stage)),
            Write::Failure(_) => data.run.status == crate::records::RunStatus::Failure,
        }
    }
}
