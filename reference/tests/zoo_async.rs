//! The async zoo: async harbors broken the ways only async code breaks, each caught by the check
//! named for it with the words expected; and the async model, which certifies.

use std::sync::Arc;
use std::time::Duration;

use conformance::records::*;
use conformance::{AsyncLimani, Json, Limani, MemoryLimani, Result, Suite, Yielding};

/// The ways the zoo's async harbors break.
#[derive(Clone, Copy, Debug)]
enum Defect {
    /// A lock (parking_lot, with guards that may cross threads) held across an `.await` in
    /// every write, and taken by the reads: on one worker thread, the main task blocks it.
    LockHeldAcrossAwait,
    /// Writes handed to a background task, the answer waited for with a blocking `recv()`: on
    /// one worker thread the background task never runs.
    BlockingWaitForATask,
    /// `get_or_create_host` blocks its worker thread for good (a blocking call in poll).
    BlocksItsWorker,
    /// `get_run_data` waits for a lock whose guard `create_run` forgot: never woken.
    NeverWoken,
    /// `end_run_update` in two steps with an `.await` between: the status, then the end.
    EndInTwoSteps,
}

impl Defect {
    const ALL: [Defect; 5] = [
        Defect::LockHeldAcrossAwait,
        Defect::BlockingWaitForATask,
        Defect::BlocksItsWorker,
        Defect::NeverWoken,
        Defect::EndInTwoSteps,
    ];

    /// The check that catches it, and words of its failure.
    fn caught_by(self) -> (&'static str, &'static str) {
        match self {
            Defect::LockHeldAcrossAwait => (
                "tasks::one_thread_runtime",
                "the only worker thread is blocked",
            ),
            Defect::BlockingWaitForATask => ("tasks::one_thread_runtime", "did not finish"),
            Defect::BlocksItsWorker => ("hosts::idempotent", "blocked a worker thread inside poll"),
            Defect::NeverWoken => ("lifecycle::run_reads_back", "was never woken"),
            Defect::EndInTwoSteps => (
                "tasks::cancelled_writes_all_or_nothing",
                "end_run_update cancelled at its await point",
            ),
        }
    }
}

/// The model, made async, with one defect.
struct Broken {
    model: Arc<MemoryLimani>,
    defect: Defect,
    lock: parking_lot::Mutex<()>,
    forgotten: Arc<tokio::sync::Mutex<()>>,
    stuck: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

impl Broken {
    fn new(defect: Defect) -> Self {
        Broken {
            model: Arc::new(MemoryLimani::new()),
            defect,
            lock: parking_lot::Mutex::new(()),
            forgotten: Arc::default(),
            stuck: std::sync::Mutex::new(None),
        }
    }

    /// A write as the defect does it (a lock held across an `.await` is the defect).
    #[allow(clippy::await_holding_lock)]
    async fn write(
        &self,
        write: impl FnOnce(&MemoryLimani) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        match self.defect {
            Defect::LockHeldAcrossAwait => {
                let guard = self.lock.lock();
                tokio::task::yield_now().await;
                let done = write(&self.model);
                drop(guard);
                done
            }
            Defect::BlockingWaitForATask => {
                let (answer, wait) = std::sync::mpsc::channel();
                let model = Arc::clone(&self.model);
                tokio::spawn(async move {
                    let _ = answer.send(write(&model));
                });
                wait.recv().unwrap_or_else(|_| Ok(()))
            }
            _ => {
                tokio::task::yield_now().await;
                write(&self.model)
            }
        }
    }

    /// A read as the defect does it.
    async fn read<T>(&self, read: impl FnOnce(&MemoryLimani) -> T) -> T {
        if let Defect::LockHeldAcrossAwait = self.defect {
            let _guard = self.lock.lock();
            return read(&self.model);
        }
        tokio::task::yield_now().await;
        read(&self.model)
    }
}

impl AsyncLimani for Broken {
    async fn connect(&self) -> Result<()> {
        Ok(())
    }
    async fn disconnect(&self) -> Result<()> {
        Ok(())
    }
    async fn init_db(&self) -> Result<()> {
        self.model.init_db()
    }
    async fn create_run(&self, run: &NewRun) -> Result<String> {
        if let Defect::NeverWoken = self.defect {
            std::mem::forget(self.forgotten.clone().lock_owned().await);
        }
        let run = run.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.write(move |m| {
            let _ = tx.send(m.create_run(&run));
            Ok(())
        })
        .await?;
        rx.recv().unwrap_or_else(|_| Ok(String::new()))
    }
    async fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let (run_id, status) = (run_id.to_owned(), status.to_owned());
        self.write(move |m| m.start_update_run(&run_id, &status))
            .await
    }
    async fn end_run_update(
        &self,
        run_id: &str,
        end: f64,
        status: &str,
        summary: &Json,
    ) -> Result<()> {
        if let Defect::EndInTwoSteps = self.defect {
            self.model.start_update_run(run_id, status)?;
            tokio::task::yield_now().await;
        }
        let (run_id, status, summary) = (run_id.to_owned(), status.to_owned(), summary.clone());
        self.write(move |m| m.end_run_update(&run_id, end, &status, &summary))
            .await
    }
    async fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        if let Defect::BlocksItsWorker = self.defect {
            let (keep, wait) = std::sync::mpsc::channel::<()>();
            *self.stuck.lock().unwrap() = Some(keep);
            let _ = wait.recv();
        }
        self.read(|m| m.get_or_create_host(run_id, host_name)).await
    }
    async fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        let op = operation.clone();
        self.write(move |m| m.insert_operation(&op)).await
    }
    async fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        let s = snapshot.clone();
        self.write(move |m| m.insert_snapshot(&s)).await
    }
    async fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        let f = fact_log.clone();
        self.write(move |m| m.insert_fact_log(&f)).await
    }
    async fn get_facts_for_timespan(
        &self,
        run_id: &str,
        start: f64,
        end: f64,
    ) -> Result<Vec<FactLog>> {
        self.read(|m| m.get_facts_for_timespan(run_id, start, end))
            .await
    }
    async fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        self.read(|m| m.get_run_summary_stats(run_id)).await
    }
    async fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        if let Defect::NeverWoken = self.defect {
            drop(self.forgotten.lock().await);
        }
        self.read(|m| m.get_run_data(run_id)).await
    }
}

/// Each async defect fails the check named for it, with the words expected.
#[test]
fn each_async_defect_is_caught_by_the_check_named_for_it() {
    let mut missed = Vec::new();
    for defect in Defect::ALL {
        let (check, words) = defect.caught_by();
        let report = Suite::new_async(move || async move { Broken::new(defect) })
            .only(check)
            .timeout(Duration::from_secs(6))
            .run();
        let result = report.results.iter().find(|r| r.id == check).unwrap();
        let message = result.message.as_deref().unwrap_or("");
        let failed = result.outcome == conformance::Outcome::Failed;
        if !failed || !message.contains(words) {
            missed.push(format!(
                "{defect:?} under {check}: {:?}\n{message}",
                result.outcome
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// Every check of the `tasks` group has an async defect it catches.
#[test]
fn every_async_check_has_a_defect_it_catches() {
    let caught: Vec<&str> = Defect::ALL.iter().map(|d| d.caught_by().0).collect();
    let checks = Suite::new_async(|| async { Yielding(MemoryLimani::new()) }).checks();
    for check in checks.iter().filter(|c| c.group == "tasks") {
        assert!(
            caught.contains(&check.id),
            "no async defect for {}",
            check.id
        );
    }
}

/// The async model passes every check, the async ones too, from a `#[tokio::test]` of the
/// default (one-thread) flavour.
#[tokio::test]
async fn the_async_model_conforms() {
    conformance::run_all_async(|| async { Yielding(MemoryLimani::new()) }).await;
}

/// An async harbor that panics fails the check with the panic's words.
#[test]
fn a_panicking_async_harbor_fails_with_its_message() {
    struct Panics;
    impl AsyncLimani for Panics {
        async fn connect(&self) -> Result<()> {
            Ok(())
        }
        async fn disconnect(&self) -> Result<()> {
            Ok(())
        }
        async fn init_db(&self) -> Result<()> {
            Ok(())
        }
        async fn create_run(&self, _: &NewRun) -> Result<String> {
            panic!("no runs here")
        }
        async fn start_update_run(&self, _: &str, _: &str) -> Result<()> {
            Ok(())
        }
        async fn end_run_update(&self, _: &str, _: f64, _: &str, _: &Json) -> Result<()> {
            Ok(())
        }
        async fn get_or_create_host(&self, _: &str, _: &str) -> Result<HostId> {
            Ok(1)
        }
        async fn insert_operation(&self, _: &NewOperation) -> Result<()> {
            Ok(())
        }
        async fn insert_snapshot(&self, _: &NewSnapshot) -> Result<()> {
            Ok(())
        }
        async fn insert_fact_log(&self, _: &NewFactLog) -> Result<()> {
            Ok(())
        }
        async fn get_facts_for_timespan(&self, _: &str, _: f64, _: f64) -> Result<Vec<FactLog>> {
            Ok(Vec::new())
        }
        async fn get_run_summary_stats(&self, _: &str) -> Result<SummaryStats> {
            unimplemented!()
        }
        async fn get_run_data(&self, _: &str) -> Result<Option<RunData>> {
            Ok(None)
        }
    }
    let report = Suite::new_async(|| async { Panics })
        .only("lifecycle::run_reads_back")
        .run();
    let message = report.results[0].message.as_deref().unwrap_or("");
    assert!(
        message.contains("the harbor panicked: no runs here"),
        "{message}"
    );
}
