//! The broken-harbor zoo: a correct harbor with one realistic defect each, and the
//! suite that certifies it (over SQLite in memory, or over a store that can be reopened).

mod broken;
mod defect;

use std::sync::Arc;

use conformance::{MemoryLimani, Suite};
use reference::SqliteLimani;

pub use broken::Broken;
pub use defect::Defect;

/// Harbors with two independent defects: a report must show both as roots.
pub const PAIRS: &[(Defect, Defect)] = &[
    (Defect::ClosedTimespanEnd, Defect::InsertionOrderOperations),
    (Defect::SummaryWithoutRounding, Defect::HailerDropped),
    (Defect::FactCommandsCut, Defect::SnapshotHostNameIsId),
];

/// The suite over harbors with both defects, one over the other, on SQLite in memory.
pub fn suite_pair(a: Defect, b: Defect) -> Suite {
    Suite::new(move || {
        let inner = Broken::new(b, Arc::new(SqliteLimani::open_in_memory().unwrap()));
        Broken::new(a, Arc::new(inner))
    })
    .name(format!("zoo: {a:?} + {b:?}"))
}

/// The suite over harbors with `defect`, persistent where the defect needs a reopen.
pub fn suite(defect: Defect) -> Suite {
    match defect {
        Defect::DataGoneAfterReopen => {
            Suite::new(move || Broken::new(defect, Arc::new(MemoryLimani::new())))
                .reopen(move || Broken::new(defect, Arc::new(MemoryLimani::new())))
        }
        Defect::LockedWhileConnected => {
            let dir = Arc::new(tempfile::tempdir().expect("a temporary folder"));
            let (a, b) = (dir.clone(), dir);
            let open = move |dir: &tempfile::TempDir| {
                let harbor = Arc::new(SqliteLimani::open(dir.path().join("zoo.db")).unwrap());
                Broken::new(defect, harbor).locking(dir.path().join("zoo.db.lock"))
            };
            Suite::new(move || open(&a)).reopen(move || open(&b))
        }
        Defect::HostIdsRenumberedAfterReopen | Defect::AckedBeforeDurable => {
            let dir = Arc::new(tempfile::tempdir().expect("a temporary folder"));
            let (a, b) = (dir.clone(), dir);
            let open = move |dir: &tempfile::TempDir| {
                Arc::new(SqliteLimani::open(dir.path().join("zoo.db")).unwrap())
            };
            Suite::new(move || Broken::new(defect, open(&a)))
                .reopen(move || Broken::new(defect, open(&b)))
                .crashable()
        }
        _ => Suite::new(move || {
            Broken::new(defect, Arc::new(SqliteLimani::open_in_memory().unwrap()))
        }),
    }
    .name(format!("zoo: {defect:?}"))
}
