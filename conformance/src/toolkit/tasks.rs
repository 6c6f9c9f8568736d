//! Async harbors ([`AsyncLimani`]) under the kit: [`Tasks`], a harbor with its calls boxed so
//! that any runtime can drive them, and [`OnTokio`], the same harbor as a [`Limani`] whose
//! every call is a task of a runtime of its own (two workers: the Logbook's writer and main
//! thread become two tasks). A call that does not finish is dropped on its timeout and
//! diagnosed: blocked inside `poll` (a blocking call) or never woken (a deadlock across an
//! `.await`).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use limani_contract::AsyncLimani;

use crate::error::{LimaniError, Result};
use crate::json::Json;
use crate::limani::Limani;
use crate::records::{
    FactLog, HostId, NewFactLog, NewOperation, NewRun, NewSnapshot, RunData, SummaryStats,
};

/// A boxed future that any runtime can drive.
pub type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One call of the contract, its arguments owned.
#[derive(Clone, Debug)]
pub enum Call {
    Connect,
    Disconnect,
    InitDb,
    CreateRun(NewRun),
    StartUpdateRun(String, String),
    EndRunUpdate(String, f64, String, Json),
    GetOrCreateHost(String, String),
    InsertOperation(NewOperation),
    InsertSnapshot(NewSnapshot),
    InsertFactLog(NewFactLog),
    GetFactsForTimespan(String, f64, f64),
    GetRunSummaryStats(String),
    GetRunData(String),
}

/// What a call gave.
#[derive(Debug)]
pub enum Answer {
    Unit(Result<()>),
    RunId(Result<String>),
    Host(Result<HostId>),
    Facts(Result<Vec<FactLog>>),
    Summary(Result<SummaryStats>),
    RunData(Result<Option<RunData>>),
}

type CallFn = dyn Fn(Call) -> Boxed<Answer> + Send + Sync;

/// An async harbor with its calls boxed: cloned freely, driven by any runtime.
#[derive(Clone)]
pub struct Tasks {
    call: Arc<CallFn>,
}

/// Makes async harbors, one per check (the factory given to `Suite::new_async`).
pub type TaskFactory = Arc<dyn Fn() -> Boxed<Tasks> + Send + Sync>;

/// The call's answer of the wrong shape: a bug of the kit, said as a storage failure.
fn misfit<T>(name: &str) -> Result<T> {
    Err(LimaniError::storage_message(
        name,
        "the kit mixed up the answers of two calls",
    ))
}

macro_rules! answer {
    ($name:literal, $answer:expr, $variant:ident) => {
        match $answer {
            Answer::$variant(r) => r,
            _ => misfit($name),
        }
    };
}

impl Tasks {
    /// `harbor`'s calls, boxed.
    pub fn new<A: AsyncLimani + 'static>(harbor: A) -> Self {
        let harbor = Arc::new(harbor);
        let call = move |call: Call| -> Boxed<Answer> {
            let h = Arc::clone(&harbor);
            Box::pin(async move {
                match call {
                    Call::Connect => Answer::Unit(h.connect().await),
                    Call::Disconnect => Answer::Unit(h.disconnect().await),
                    Call::InitDb => Answer::Unit(h.init_db().await),
                    Call::CreateRun(run) => Answer::RunId(h.create_run(&run).await),
                    Call::StartUpdateRun(r, s) => Answer::Unit(h.start_update_run(&r, &s).await),
                    Call::EndRunUpdate(r, t, s, j) => {
                        Answer::Unit(h.end_run_update(&r, t, &s, &j).await)
                    }
                    Call::GetOrCreateHost(r, n) => Answer::Host(h.get_or_create_host(&r, &n).await),
                    Call::InsertOperation(o) => Answer::Unit(h.insert_operation(&o).await),
                    Call::InsertSnapshot(s) => Answer::Unit(h.insert_snapshot(&s).await),
                    Call::InsertFactLog(f) => Answer::Unit(h.insert_fact_log(&f).await),
                    Call::GetFactsForTimespan(r, a, b) => {
                        Answer::Facts(h.get_facts_for_timespan(&r, a, b).await)
                    }
                    Call::GetRunSummaryStats(r) => {
                        Answer::Summary(h.get_run_summary_stats(&r).await)
                    }
                    Call::GetRunData(r) => Answer::RunData(h.get_run_data(&r).await),
                }
            })
        };
        Tasks {
            call: Arc::new(call),
        }
    }

    /// The future of one call.
    pub fn call(&self, call: Call) -> Boxed<Answer> {
        (self.call)(call)
    }

    pub async fn init_db(&self) -> Result<()> {
        answer!("init_db", self.call(Call::InitDb).await, Unit)
    }

    pub async fn create_run(&self, run: NewRun) -> Result<String> {
        answer!("create_run", self.call(Call::CreateRun(run)).await, RunId)
    }

    pub async fn host(&self, run_id: &str, name: &str) -> Result<HostId> {
        let call = Call::GetOrCreateHost(run_id.to_owned(), name.to_owned());
        answer!("get_or_create_host", self.call(call).await, Host)
    }

    pub async fn insert_fact_log(&self, fact: NewFactLog) -> Result<()> {
        answer!(
            "insert_fact_log",
            self.call(Call::InsertFactLog(fact)).await,
            Unit
        )
    }

    pub async fn insert_operation(&self, op: NewOperation) -> Result<()> {
        answer!(
            "insert_operation",
            self.call(Call::InsertOperation(op)).await,
            Unit
        )
    }

    pub async fn timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        let call = Call::GetFactsForTimespan(run_id.to_owned(), start, end);
        answer!("get_facts_for_timespan", self.call(call).await, Facts)
    }

    pub async fn run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        let call = Call::GetRunData(run_id.to_owned());
        answer!("get_run_data", self.call(call).await, RunData)
    }
}

/// Where a call's future is: not yet polled, inside `poll`, or waiting between polls.
const QUEUED: u8 = 0;
const POLLING: u8 = 1;
const WAITING: u8 = 2;

/// A future that says where it is ([`QUEUED`], [`POLLING`], [`WAITING`]): a call stuck in
/// `poll` blocks its worker thread; one stuck waiting waits for a wake that does not come; one
/// never polled found every worker blocked.
struct Watched {
    future: Boxed<Answer>,
    state: Arc<AtomicU8>,
}

impl Future for Watched {
    type Output = Answer;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        self.state.store(POLLING, Ordering::SeqCst);
        let polled = self.future.as_mut().poll(cx);
        self.state.store(WAITING, Ordering::SeqCst);
        polled
    }
}

/// Why a call did not finish, from where its future was.
fn diagnosis(state: u8) -> &'static str {
    match state {
        POLLING => "future blocked a worker thread inside poll: a blocking call in an async method (std::thread::sleep, a std or parking_lot lock, blocking I/O, block_on)",
        WAITING => "future waited and was never woken: a deadlock across an .await (a lock held across an .await, a channel nobody answers, a pool that gives no connection)",
        _ => "task never started: every worker thread was held by other calls (a blocking call in an async method)",
    }
}

/// An async harbor as a [`Limani`]: each call is a task of the harbor's own runtime (two
/// workers), waited for up to the call timeout, then dropped and diagnosed.
pub struct OnTokio {
    runtime: Option<tokio::runtime::Runtime>,
    harbor: Option<Tasks>,
    timeout: Duration,
}

impl OnTokio {
    /// A runtime of its own and a harbor from `factory` on it; `timeout` bounds each call.
    pub fn start(factory: &TaskFactory, timeout: Duration) -> std::result::Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("limani harbor task")
            .enable_all()
            .build()
            .map_err(|e| format!("could not start a tokio runtime: {e}"))?;
        // A task, so that a factory blocked inside poll cannot hold this thread too.
        let (done, made) = std::sync::mpsc::sync_channel(1);
        let making = factory();
        runtime.spawn(async move {
            let _ = done.send(making.await);
        });
        match made.recv_timeout(timeout) {
            Ok(harbor) => Ok(OnTokio {
                runtime: Some(runtime),
                harbor: Some(harbor),
                timeout,
            }),
            Err(e) => {
                runtime.shutdown_background();
                Err(match e {
                    std::sync::mpsc::RecvTimeoutError::Timeout => {
                        format!("the async factory did not give a harbor in {timeout:?}")
                    }
                    _ => "the async factory panicked".to_owned(),
                })
            }
        }
    }

    /// Runs one call as a task; on its timeout the task is dropped and the call diagnosed.
    fn run(&self, name: &'static str, call: Call) -> Result<Answer> {
        let runtime = self.runtime.as_ref().expect("a running harbor");
        let harbor = self.harbor.as_ref().expect("a running harbor");
        let state = Arc::new(AtomicU8::new(QUEUED));
        let watched = Watched {
            future: harbor.call(call),
            state: Arc::clone(&state),
        };
        let (done, answer) = std::sync::mpsc::sync_channel(1);
        let task = runtime.spawn(async move {
            let _ = done.send(watched.await);
        });
        match answer.recv_timeout(self.timeout) {
            Ok(answer) => Ok(answer),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let why = match runtime.block_on(task) {
                    Err(e) if e.is_panic() => super::probe::panic_text(e.into_panic().as_ref()),
                    _ => "its task ended without an answer".to_owned(),
                };
                let why = format!("the harbor panicked: {why}");
                Err(LimaniError::storage_message(name, why))
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                task.abort();
                let why = diagnosis(state.load(Ordering::SeqCst));
                Err(LimaniError::Timeout {
                    call: format!("{name}, whose {why}"),
                    after: self.timeout,
                })
            }
        }
    }
}

impl Drop for OnTokio {
    /// The harbor is dropped inside its runtime (a pool closes its connections there), then
    /// the runtime given a second to end: a worker blocked for good must not hang the kit.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            let entered = runtime.enter();
            drop(self.harbor.take());
            drop(entered);
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// The answer of a call, or the timeout error it ended with.
macro_rules! on_tokio {
    ($self:ident, $name:literal, $call:expr, $variant:ident) => {
        match $self.run($name, $call) {
            Ok(Answer::$variant(r)) => r,
            Ok(_) => misfit($name),
            Err(e) => Err(e),
        }
    };
}

impl Limani for OnTokio {
    fn connect(&self) -> Result<()> {
        on_tokio!(self, "connect", Call::Connect, Unit)
    }
    fn disconnect(&self) -> Result<()> {
        on_tokio!(self, "disconnect", Call::Disconnect, Unit)
    }
    fn init_db(&self) -> Result<()> {
        on_tokio!(self, "init_db", Call::InitDb, Unit)
    }
    fn create_run(&self, run: &NewRun) -> Result<String> {
        on_tokio!(self, "create_run", Call::CreateRun(run.clone()), RunId)
    }
    fn start_update_run(&self, run_id: &str, status: &str) -> Result<()> {
        let call = Call::StartUpdateRun(run_id.to_owned(), status.to_owned());
        on_tokio!(self, "start_update_run", call, Unit)
    }
    fn end_run_update(&self, run_id: &str, end: f64, status: &str, summary: &Json) -> Result<()> {
        let call = Call::EndRunUpdate(run_id.to_owned(), end, status.to_owned(), summary.clone());
        on_tokio!(self, "end_run_update", call, Unit)
    }
    fn get_or_create_host(&self, run_id: &str, host_name: &str) -> Result<HostId> {
        let call = Call::GetOrCreateHost(run_id.to_owned(), host_name.to_owned());
        on_tokio!(self, "get_or_create_host", call, Host)
    }
    fn insert_operation(&self, operation: &NewOperation) -> Result<()> {
        on_tokio!(
            self,
            "insert_operation",
            Call::InsertOperation(operation.clone()),
            Unit
        )
    }
    fn insert_snapshot(&self, snapshot: &NewSnapshot) -> Result<()> {
        on_tokio!(
            self,
            "insert_snapshot",
            Call::InsertSnapshot(snapshot.clone()),
            Unit
        )
    }
    fn insert_fact_log(&self, fact_log: &NewFactLog) -> Result<()> {
        on_tokio!(
            self,
            "insert_fact_log",
            Call::InsertFactLog(fact_log.clone()),
            Unit
        )
    }
    fn get_facts_for_timespan(&self, run_id: &str, start: f64, end: f64) -> Result<Vec<FactLog>> {
        let call = Call::GetFactsForTimespan(run_id.to_owned(), start, end);
        on_tokio!(self, "get_facts_for_timespan", call, Facts)
    }
    fn get_run_summary_stats(&self, run_id: &str) -> Result<SummaryStats> {
        let call = Call::GetRunSummaryStats(run_id.to_owned());
        on_tokio!(self, "get_run_summary_stats", call, Summary)
    }
    fn get_run_data(&self, run_id: &str) -> Result<Option<RunData>> {
        on_tokio!(
            self,
            "get_run_data",
            Call::GetRunData(run_id.to_owned()),
            RunData
        )
    }
}
