//! `Probe`: the harbor as checks see it. It logs every call with its outcome, knows which
//! calls are in flight on which thread (for timeouts), and turns a harbor's panic into an error.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::json::Json;

use crate::error::{LimaniError, Result};
use crate::limani::Limani;
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, RunData, SummaryStats,
};

thread_local! {
    static LABEL: RefCell<String> = RefCell::new("check thread".to_owned());
}

/// Names the calling thread in call logs and timeout diagnoses ("writer", "thread 3").
pub fn label_thread(label: impl Into<String>) {
    LABEL.with(|l| *l.borrow_mut() = label.into());
}

fn thread_label() -> String {
    LABEL.with(|l| l.borrow().clone())
}

/// How many calls a failure message shows, the last ones.
const SHOWN_CALLS: usize = 25;

/// One call as it was made: its arguments and result whole (up to [`WHOLE`] characters each).
struct Logged {
    n: u64,
    label: String,
    name: &'static str,
    args: String,
    result: String,
}

impl Logged {
    /// The call in a failure message: arguments up to 2,000 characters (a failing call's inputs
    /// are what a person needs), the result's first 200 (the diff shows what differs).
    fn brief(&self) -> String {
        let args = super::shorten(&self.args, 1600, 400);
        let result = super::shorten(&self.result, 200, 0);
        format!(
            "#{} [{}] {}({args}) -> {result}",
            self.n, self.label, self.name
        )
    }

    /// The call as `--log-dir` and the JSON report keep it.
    fn whole(&self) -> String {
        let (n, label, name) = (self.n, &self.label, self.name);
        format!("#{n} [{label}] {name}({}) -> {}", self.args, self.result)
    }
}

/// The most characters of one argument list or result a call log keeps (a 10 MB stdout is
/// kept as its first and last 32 KiB, the cut said).
const WHOLE: usize = 64 * 1024;

#[derive(Default)]
struct Journal {
    done: Vec<Logged>,
    in_flight: BTreeMap<u64, (String, String, Instant)>,
}

/// A traced harbor; clones share one journal.
#[derive(Clone)]
pub struct Probe {
    harbor: Arc<dyn Limani>,
    journal: Arc<Mutex<Journal>>,
    next: Arc<AtomicU64>,
}

/// An argument or result as a call log keeps it: Debug text, whole up to 64 KiB.
pub fn brief(value: &dyn Debug) -> String {
    super::shorten(&format!("{value:?}"), WHOLE / 2, WHOLE / 2)
}

/// What a panic said, for a report.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

impl Probe {
    pub fn new(harbor: Arc<dyn Limani>) -> Self {
        Probe {
            harbor,
            journal: Arc::default(),
            next: Arc::default(),
        }
    }

    /// Another harbor (the same store, reopened) logged into this probe's journal.
    pub fn with_harbor(&self, harbor: Arc<dyn Limani>) -> Self {
        Probe {
            harbor,
            journal: self.journal.clone(),
            next: self.next.clone(),
        }
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The last calls made, oldest first, numbered, as a failure message shows them.
    pub fn calls(&self) -> Vec<String> {
        let journal = self.journal();
        let skip = journal.done.len().saturating_sub(SHOWN_CALLS);
        journal.done[skip..].iter().map(Logged::brief).collect()
    }

    /// Every call made, oldest first, with its arguments and result whole.
    pub fn all_calls(&self) -> Vec<String> {
        self.journal().done.iter().map(Logged::whole).collect()
    }

    /// How many calls have completed.
    pub fn call_count(&self) -> usize {
        self.journal().done.len()
    }

    /// The calls still running, as "get_or_create_host(..) on thread 3 for 30.0 s".
    pub fn in_flight(&self) -> Vec<String> {
        self.journal()
            .in_flight
            .values()
            .map(|(label, call, since)| {
                format!(
                    "{call} on {label} (running for {:.1} s)",
                    since.elapsed().as_secs_f64()
                )
            })
            .collect()
    }

    fn call<T: Debug>(
        &self,
        name: &'static str,
        args: String,
        f: impl FnOnce(&dyn Limani) -> Result<T>,
    ) -> Result<T> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let label = thread_label();
        let call = format!("{name}({})", super::shorten(&args, 1600, 400));
        self.journal()
            .in_flight
            .insert(n, (label.clone(), call, Instant::now()));
        let outcome =
            catch_unwind(AssertUnwindSafe(|| f(self.harbor.as_ref()))).unwrap_or_else(|payload| {
                Err(LimaniError::storage_message(
                    name,
                    format!("the harbor panicked: {}", panic_text(payload.as_ref())),
                ))
            });
        let result = match &outcome {
            Ok(v) => format!("Ok({})", brief(v)),
            Err(e) => format!("Err({:?}: {e})", e.kind()),
        };
        let mut journal = self.journal();
        journal.in_flight.remove(&n);
        let logged = Logged {
            n,
            label,
            name,
            args,
            result,
        };
        journal.done.push(logged);
        outcome
    }
}

impl Limani for Probe {
    fn connect(&self) -> Result<()> {
        self.call("connect", String::new(), |h| h.connect())
    }
    fn disconnect(&self) -> Result<()> {
        self.call("disconnect", String::new(), |h| h.disconnect())
    }
    fn init_db(&self) -> Result<()> {
        self.call("init_db", String::new(), |h| h.init_db())
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        self.call("create_run", brief(run), |h| h.create_run(run))
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        self.call("start_update_run", format!("{run_id:?}, {status:?}"), |h| {
            h.start_update_run(run_id, status)
        })
    }
    fn end_run_update(
        &self,
        run_id: &str,
        end_time: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        let args = format!("{run_id:?}, {end_time:?}, {status:?}, {}", brief(summary));
        self.call("end_run_update", args, |h| {
            h.end_run_update(run_id, end_time, status, summary)
        })
    }
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let args = format!("{run_id:?}, {}", brief(&host_name));
        self.call("get_or_create_host", args, |h| {
            h.get_or_create_host(run_id, host_name)
        })
    }
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        self.call("insert_operation", brief(operation), |h| {
            h.insert_operation(operation)
        })
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        self.call("insert_snapshot", brief(snapshot), |h| {
            h.insert_snapshot(snapshot)
        })
    }
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        self.call("insert_fact_log", brief(fact_log), |h| {
            h.insert_fact_log(fact_log)
        })
    }
    fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start_time: f64,
        end_time: f64,
    ) -> Result<Vec<FactLog>> {
        let args = format!("{run_id:?}, {start_time:?}, {end_time:?}");
        self.call("get_facts_for_timespan", args, |h| {
            h.get_facts_for_timespan(run_id, start_time, end_time)
        })
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.call("get_run_summary_stats", format!("{run_id:?}"), |h| {
            h.get_run_summary_stats(run_id)
        })
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        self.call("get_run_data", format!("{run_id:?}"), |h| {
            h.get_run_data(run_id)
        })
    }
    fn status_through_connect(&self, run_id: &str) -> Option<Result<Option<String>>> {
        let mut offered = true;
        let outcome = self.call("status_through_connect", format!("{run_id:?}"), |h| match h
            .status_through_connect(run_id)
        {
            Some(result) => result,
            None => {
                offered = false;
                Ok(None)
            }
        });
        offered.then_some(outcome)
    }
    fn crash(&self) -> bool {
        self.call("crash", String::new(), |h| Ok(h.crash()))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryLimani;

    /// A failure message shows a long argument cut; the whole log keeps it whole.
    #[test]
    fn the_whole_log_keeps_long_arguments_whole() {
        let probe = Probe::new(Arc::new(MemoryLimani::new()));
        let long = "x".repeat(10_000);
        let _ = probe.get_or_create_host("no such run", &long);
        let (shown, whole) = (probe.calls(), probe.all_calls());
        assert!(
            shown[0].len() < 3_000 && shown[0].contains("bytes in all"),
            "{}",
            shown[0]
        );
        assert!(whole[0].contains(&long) && !whole[0].contains("bytes in all"));
    }
}
