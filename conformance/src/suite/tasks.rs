//! Async harbors on tokio: [`Suite::new_async`], [`run_all_async`] and [`harness_async`]. Every
//! check and the property part run against the harbor through
//! [`OnTokio`](crate::toolkit::tasks::OnTokio) (each call a task of a runtime of the harbor's
//! own), and the `tasks` checks against the harbor itself.

use std::future::Future;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use limani_contract::AsyncLimani;

use super::runner::AsyncParts;
use super::Suite;
use crate::toolkit::tasks::{Boxed, OnTokio, TaskFactory, Tasks};

impl Suite {
    /// A suite over async harbors made by `factory` (called once per check, on a runtime of
    /// the harbor's own; the `tasks` checks call it again, on a one-thread runtime).
    ///
    /// ```
    /// use conformance::{MemoryLimani, Yielding};
    /// let report = conformance::Suite::new_async(|| async { Yielding(MemoryLimani::new()) })
    ///     .only("timespan")
    ///     .run();
    /// assert!(report.passed());
    /// ```
    pub fn new_async<A, F, Fut>(factory: F) -> Suite
    where
        A: AsyncLimani + 'static,
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = A> + Send + 'static,
    {
        let factory = boxed(factory);
        let call_timeout_ms = Arc::new(AtomicU64::new(10_000));
        let mut suite = Suite::new(on_tokio(factory.clone(), call_timeout_ms.clone()))
            .name(std::any::type_name::<A>())
            .reproduce_with(
                "Suite::only(\"{id}\"), or under conformance::harness_async: cargo test -- {id}",
            );
        suite.tasks = Some(AsyncParts {
            factory,
            call_timeout_ms,
        });
        suite
    }
}

impl Suite {
    /// Declares an async harbor persistent: `reopen` opens the factory's store anew (see
    /// [`Suite::reopen`]).
    pub fn reopen_async<A, F, Fut>(self, reopen: F) -> Suite
    where
        A: AsyncLimani + 'static,
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = A> + Send + 'static,
    {
        let timeout = match &self.tasks {
            Some(parts) => parts.call_timeout_ms.clone(),
            None => Arc::new(AtomicU64::new(10_000)),
        };
        self.reopen(on_tokio(boxed(reopen), timeout))
    }
}

/// An async harbor factory, its harbors boxed.
fn boxed<A, F, Fut>(factory: F) -> TaskFactory
where
    A: AsyncLimani + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = A> + Send + 'static,
{
    Arc::new(move || -> Boxed<Tasks> {
        let made = factory();
        Box::pin(async move { Tasks::new(made.await) })
    })
}

/// A sync harbor factory over `factory`: each harbor on a runtime of its own, each call bounded
/// by the suite's call timeout (read when the harbor is made); a factory that fails panics,
/// which the runner reports.
fn on_tokio(
    factory: TaskFactory,
    timeout_ms: Arc<AtomicU64>,
) -> impl Fn() -> OnTokio + Send + Sync + 'static {
    move || {
        let timeout = Duration::from_millis(timeout_ms.load(Ordering::Relaxed));
        OnTokio::start(&factory, timeout).unwrap_or_else(|why| panic!("{why}"))
    }
}

/// Runs every check against async harbors made by `factory`, prints the report, and panics
/// with it if a required check fails: the async [`run_all`](super::run_all), for a
/// `#[tokio::test]` of any flavour.
///
/// ```
/// use conformance::{MemoryLimani, Yielding};
/// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # runtime.block_on(async {
/// conformance::run_all_async(|| async { Yielding(MemoryLimani::new()) }).await;
/// # });
/// ```
pub async fn run_all_async<A, F, Fut>(factory: F)
where
    A: AsyncLimani + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = A> + Send + 'static,
{
    let suite = Suite::new_async(factory);
    // The suite blocks; the caller's runtime goes on (its other tasks, a pool's connections).
    let done = tokio::task::spawn_blocking(move || suite.assert_conforms()).await;
    if let Err(e) = done {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the suite's thread ended: {e}"),
        }
    }
}

/// The checks as the tests of a `[[test]] harness = false` target, for async harbors (see
/// [`harness`](super::harness)).
pub fn harness_async<A, F, Fut>(factory: F) -> ExitCode
where
    A: AsyncLimani + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = A> + Send + 'static,
{
    super::harness_with(Suite::new_async(factory))
}
