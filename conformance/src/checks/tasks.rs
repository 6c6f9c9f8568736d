//! Async harbors only (`Suite::new_async`): what goes wrong only in async code. The Logbook's
//! two threads as two tasks on a one-thread runtime, and writes cancelled part way.

use std::future::Future;
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use crate::records::{NewOperation, RunStatus};
use crate::show::to_exact;
use crate::toolkit::tasks::{Call, TaskFactory, Tasks};
use crate::toolkit::{sample, Check, Ctx, Failure, Group, Level, Verdict};

/// Writes (and reads) of the one-thread session.
const ROUNDS: usize = 40;
/// The most await points a write is cancelled at, one after the other.
const CANCEL_POINTS: usize = 12;

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("tasks", include_str!("tasks.rs"));
    vec![
        group.check(Level::Recommended, "one_thread_runtime", one_thread_runtime),
        group.check(
            Level::Recommended,
            "cancelled_writes_all_or_nothing",
            cancelled_writes_all_or_nothing,
        ),
    ]
}

/// The async harbor's factory and the time a session may take (the suite's call timeout), or
/// a skip for a harbor that is not async.
fn factory(ctx: &Ctx) -> Result<(TaskFactory, Duration), Failure> {
    ctx.tasks()
        .cloned()
        .ok_or_else(|| Failure::skip("not an async harbor (Suite::new_async)"))
}

/// Runs `session` on a one-thread runtime of its own thread, up to `patience`; `None` when it
/// did not end (its thread is left blocked: nothing can stop a thread stuck in a harbor).
fn on_one_thread<T: Send + 'static, F: Future<Output = T> + 'static>(
    patience: Duration,
    session: impl FnOnce() -> F + Send + 'static,
) -> Option<Result<T, String>> {
    let (done, outcome) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("limani one-thread runtime".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let result = match runtime {
                Ok(runtime) => Ok(runtime.block_on(session())),
                Err(e) => Err(format!("could not start a tokio runtime: {e}")),
            };
            let _ = done.send(result);
        });
    if let Err(e) = spawned {
        return Some(Err(format!("could not start a thread: {e}")));
    }
    outcome.recv_timeout(patience).ok()
}

/// The Logbook's writer and main thread, as two tasks on a one-thread runtime (what
/// `#[tokio::test]` gives), both finish, and every write is kept.
///
/// Recommended: the Logbook runs harbors on threads; an async harbor is served from a runtime,
/// and on one with one worker a blocking wait (a lock held across an `.await`, a blocking
/// call that waits for another task) stops the only thread, and the run hangs.
fn one_thread_runtime(ctx: &Ctx) -> Verdict {
    let (tasks, patience) = factory(ctx)?;
    let (run, run_id) = (ctx.new_run(1), ctx.run_id(1));
    let session = move || async move {
        let harbor = tasks().await;
        harbor.init_db().await.map_err(|e| e.to_string())?;
        harbor.create_run(run).await.map_err(|e| e.to_string())?;
        let host = harbor
            .host(&run_id, "web-1")
            .await
            .map_err(|e| e.to_string())?;
        let writer = tokio::spawn(writer(harbor.clone(), run_id.clone(), host));
        let main = tokio::spawn(main_task(harbor.clone(), run_id.clone(), host));
        let (w, m) = (writer.await, main.await);
        w.map_err(|e| format!("the writer task failed: {e}"))??;
        m.map_err(|e| format!("the main task failed: {e}"))??;
        let facts = harbor
            .timespan(&run_id, f64::NEG_INFINITY, f64::INFINITY)
            .await;
        Ok::<usize, String>(facts.map_err(|e| e.to_string())?.len())
    };
    match on_one_thread(patience, session) {
        None => Err(Failure::new(format!(
            "the writer and main tasks did not finish in {patience:?} on a one-thread runtime"
        ))
        .because(Some("the only worker thread is blocked: a lock held across an .await (std or parking_lot), or a blocking call that waits for another task"))),
        Some(Err(e)) | Some(Ok(Err(e))) => Err(Failure::new(e)),
        Some(Ok(Ok(kept))) if kept == ROUNDS => Ok(()),
        Some(Ok(Ok(kept))) => Err(Failure::new(format!(
            "{ROUNDS} fact logs were acknowledged on a one-thread runtime, {kept} read back"
        ))),
    }
}

/// The writer task: a fact log and an operation per round.
async fn writer(harbor: Tasks, run_id: String, host: i64) -> Result<(), String> {
    for i in 0..ROUNDS {
        let ts = 1769462954.0 + i as f64;
        let name = format!("op {i}");
        let fact = sample::fact(&run_id, ts, &name);
        harbor
            .insert_fact_log(fact)
            .await
            .map_err(|e| e.to_string())?;
        let op = sample::operation(&run_id, host, &name, ts + 0.5);
        harbor
            .insert_operation(op)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The main task: the known host and a timespan per round, as pyinfra's callbacks do.
async fn main_task(harbor: Tasks, run_id: String, host: i64) -> Result<(), String> {
    for i in 0..ROUNDS {
        let id = harbor
            .host(&run_id, "web-1")
            .await
            .map_err(|e| e.to_string())?;
        if id != host {
            return Err(format!("get_or_create_host gave {id}, {host} before"));
        }
        let t0 = 1769462954.0 + i as f64;
        harbor
            .timespan(&run_id, t0, t0 + 1.0)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Polls `future` until its `n`th `Pending`, then drops it: `Some(output)` when it ended first.
async fn cancel_at<T>(future: impl Future<Output = T>, n: usize) -> Option<T> {
    let mut future = pin!(future);
    let mut pending = 0;
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(Some(out)),
        Poll::Pending if pending + 1 >= n => Poll::Ready(None),
        Poll::Pending => {
            pending += 1;
            Poll::Pending
        }
    })
    .await
}

/// A write whose future is dropped part way, at any of its await points (a timeout, a
/// cancelled task), leaves all of it or none: an end of run is whole or absent, an operation
/// stored whole or not at all.
///
/// Recommended: the Logbook never cancels a call; a Rust caller with a timeout, or a server
/// whose client went away, drops futures, and a half write is then a corrupt run.
fn cancelled_writes_all_or_nothing(ctx: &Ctx) -> Verdict {
    let (tasks, patience) = factory(ctx)?;
    let prefix = ctx.run_id(0);
    let revision = ctx.revision();
    let session = move || async move {
        let harbor = tasks().await;
        harbor.init_db().await.map_err(|e| e.to_string())?;
        for n in 1..=CANCEL_POINTS {
            let run_id = format!("{prefix}-cancel-{n}");
            let half = cancelled_write(&harbor, &run_id, n, revision).await?;
            if let Some(half) = half {
                return Ok(Some(half));
            }
        }
        Ok::<Option<String>, String>(None)
    };
    match on_one_thread(patience * 2, session) {
        None => Err(Failure::new(format!(
            "the cancelled writes did not end in {:?}",
            patience * 2
        ))),
        Some(Err(e)) | Some(Ok(Err(e))) => Err(Failure::new(e)),
        Some(Ok(Ok(None))) => Ok(()),
        Some(Ok(Ok(Some(half)))) => Err(Failure::new(half)
            .because(Some("a write of several steps with an .await between them: make it one statement or one transaction"))),
    }
}

/// One round: an end of run and an operation, each cancelled at its `n`th await point, then
/// read back; says what was left half written.
async fn cancelled_write(
    harbor: &Tasks,
    run_id: &str,
    n: usize,
    revision: crate::records::Revision,
) -> Result<Option<String>, String> {
    harbor
        .create_run(sample::run(run_id, revision))
        .await
        .map_err(|e| e.to_string())?;
    let host = harbor
        .host(run_id, "web-1")
        .await
        .map_err(|e| e.to_string())?;
    let op: NewOperation = sample::operation(run_id, host, "cancelled", 1769462955.0);
    let summary: crate::json::Json = serde_json::json!({"total_operations": 1}).into();
    let end = Call::EndRunUpdate(run_id.to_owned(), 1769462999.5, "success".into(), summary);
    cancel_at(harbor.call(end), n).await;
    cancel_at(harbor.call(Call::InsertOperation(op.clone())), n).await;
    let data = harbor.run_data(run_id).await.map_err(|e| e.to_string())?;
    let Some(data) = data else {
        return Ok(Some(format!(
            "get_run_data({run_id:?}) gave None after cancelled writes"
        )));
    };
    let run = &data.run;
    let ended = [
        run.end_time.is_some(),
        run.status != RunStatus::InProgress,
        run.summary.is_some(),
    ];
    if ended.iter().any(|e| *e) && !ended.iter().all(|e| *e) {
        return Ok(Some(format!(
            "end_run_update cancelled at its await point {n} left half of it: end_time {:?}, status {:?}, summary {:?}",
            run.end_time, run.status, run.summary
        )));
    }
    let stored = data.hosts.iter().flat_map(|h| &h.operations);
    for found in stored.filter(|o| o.name == op.name) {
        if !to_exact(&op.stored(found.id)).same(&to_exact(found), false) {
            return Ok(Some(format!(
                "insert_operation cancelled at its await point {n} left half of it: {found:?}"
            )));
        }
    }
    Ok(None)
}
