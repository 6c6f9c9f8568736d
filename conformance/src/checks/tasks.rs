//! Async harbors only (`Suite::new_async`): what goes wrong only in async code. The Logbook's
//! two threads as two tasks on a one-thread runtime, and writes cancelled part way.

use std::future::Future;
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::time::Duration;

use crate::model::rules;
use crate::records::{NewOperation, RunStatus};
use crate::show::to_exact;
use crate::toolkit::tasks::{Call, TaskFactory, Tasks};
use crate::toolkit::{sample, Check, Ctx, Failure, Group, Level, Verdict};

/// Writes (and reads) of the one-thread session.
const ROUNDS: usize = 40;
/// The end time of the cancelled `end_run_update`.
const END: f64 = 1769462999.5;
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

/// How a session on a one-thread runtime ended.
enum Ended<T> {
    Done(T),
    /// It panicked, with these words.
    Panicked(String),
    /// It did not end in time: blocked (its thread is left so: nothing can stop a thread stuck
    /// in a harbor), or waiting (dropped, with what it held).
    Hung,
}

/// Runs `session` on a one-thread runtime of its own thread, up to `patience`.
fn on_one_thread<T: Send + 'static, F: Future<Output = T> + 'static>(
    patience: Duration,
    session: impl FnOnce() -> F + Send + 'static,
) -> Ended<T> {
    let (done, outcome) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("limani one-thread runtime".into())
        .spawn(move || {
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("could not start a tokio runtime: {e}"))?;
                let timed =
                    runtime.block_on(async { tokio::time::timeout(patience, session()).await });
                Ok::<Option<T>, String>(timed.ok())
            }));
            let _ = done.send(match ran {
                Ok(Ok(Some(out))) => Ended::Done(out),
                Ok(Ok(None)) => Ended::Hung,
                Ok(Err(e)) => Ended::Panicked(e),
                Err(p) => Ended::Panicked(crate::toolkit::probe::panic_text(p.as_ref())),
            });
        });
    if let Err(e) = spawned {
        return Ended::Panicked(format!("could not start a thread: {e}"));
    }
    // A moment more than the session's own limit: a session blocked inside poll never ends.
    match outcome.recv_timeout(patience + Duration::from_secs(1)) {
        Ok(ended) => ended,
        Err(mpsc::RecvTimeoutError::Timeout) => Ended::Hung,
        Err(mpsc::RecvTimeoutError::Disconnected) => Ended::Panicked("its thread ended".into()),
    }
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
    let session = move || {
        // Only the harbor lives on in a session that hangs, not the factory (and its server).
        let made = tasks();
        drop(tasks);
        async move {
            let harbor = made.await;
            let failed = |e: crate::error::LimaniError| e.to_string();
            harbor.init_db().await.map_err(failed)?;
            harbor.create_run(run).await.map_err(failed)?;
            let host = harbor.host(&run_id, "web-1").await.map_err(failed)?;
            let writer = tokio::spawn(writer(harbor.clone(), run_id.clone(), host));
            let main = tokio::spawn(main_task(harbor.clone(), run_id.clone(), host));
            let (w, m) = (writer.await, main.await);
            w.map_err(|e| format!("the writer task failed: {e}"))??;
            m.map_err(|e| format!("the main task failed: {e}"))??;
            let data = harbor.run_data(&run_id).await.map_err(failed)?;
            Ok::<_, String>(data.map(|d| kept(&d, &run_id, host)))
        }
    };
    match on_one_thread(patience.saturating_mul(2), session) {
        Ended::Hung => Err(Failure::new(format!(
            "the writer and main tasks did not finish in {:?} on a one-thread runtime",
            patience.saturating_mul(2)
        ))
        .because(Some("the only worker thread is blocked: a lock held across an .await (std or parking_lot), or a blocking call that waits for another task"))),
        Ended::Panicked(why) => Err(Failure::new(format!("the session panicked: {why}"))),
        Ended::Done(Err(e)) => Err(Failure::new(e)),
        Ended::Done(Ok(None)) => Err(Failure::new("get_run_data gave None for the session's run")),
        Ended::Done(Ok(Some(Err(lost)))) => Err(Failure::new(lost)),
        Ended::Done(Ok(Some(Ok(())))) => Ok(()),
    }
}

/// Every write of the session, read back whole: each fact log and each operation as sent.
fn kept(data: &crate::records::RunData, run_id: &str, host: i64) -> Result<(), String> {
    for i in 0..ROUNDS {
        let (ts, name) = (1769462954.0 + i as f64, format!("op {i}"));
        let fact = sample::fact(run_id, ts, &name);
        let stored = data
            .fact_logs
            .iter()
            .filter(|f| f.command.as_deref() == Some(name.as_str()));
        let facts: Vec<_> = stored.collect();
        let whole = |f: &&crate::records::FactLog| same(&fact.stored(f.id), *f);
        if facts.len() != 1 || !facts.iter().all(whole) {
            return Err(format!(
                "the fact log {name:?} was acknowledged; read back: {facts:?}"
            ));
        }
        let op = sample::operation(run_id, host, &name, ts + 0.5);
        let ops: Vec<_> = (data.hosts.iter().flat_map(|h| &h.operations))
            .filter(|o| o.name == name)
            .collect();
        let whole = |o: &&crate::records::OperationRecord| same(&op.stored(o.id), *o);
        if ops.len() != 1 || !ops.iter().all(whole) {
            return Err(format!(
                "the operation {name:?} was acknowledged; read back: {ops:?}"
            ));
        }
    }
    Ok(())
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

/// A record read back as the contract keeps it (payloads compared as Python reads them).
fn same<T: serde::Serialize>(sent: &T, read: &T) -> bool {
    rules::same_json(&to_exact(sent), &to_exact(read))
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
    let session = move || {
        let made = tasks();
        drop(tasks);
        async move {
            let harbor = made.await;
            harbor.init_db().await.map_err(|e| e.to_string())?;
            for n in 1..=CANCEL_POINTS {
                let run_id = format!("{prefix}-cancel-{n}");
                let half = cancelled_write(&harbor, &run_id, n, revision).await?;
                if let Some(half) = half {
                    return Ok(Some(half));
                }
            }
            Ok::<Option<String>, String>(None)
        }
    };
    let limit = patience.saturating_mul(2);
    match on_one_thread(limit, session) {
        Ended::Hung => Err(Failure::new(format!(
            "the cancelled writes did not end in {limit:?}"
        ))),
        Ended::Panicked(why) => Err(Failure::new(format!("the session panicked: {why}"))),
        Ended::Done(Err(e)) => Err(Failure::new(e)),
        Ended::Done(Ok(None)) => Ok(()),
        Ended::Done(Ok(Some(half))) => Err(Failure::new(half)
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
    let end = Call::EndRunUpdate(run_id.to_owned(), END, "success".into(), summary.clone());
    cancel_at(harbor.call(end), n).await;
    cancel_at(harbor.call(Call::InsertOperation(op.clone())), n).await;
    let data = harbor.run_data(run_id).await.map_err(|e| e.to_string())?;
    let Some(data) = data else {
        return Ok(Some(format!(
            "get_run_data({run_id:?}) gave None after cancelled writes"
        )));
    };
    // The run as before the end, or as after it: nothing in between.
    let run = &data.run;
    let before =
        run.end_time.is_none() && run.status == RunStatus::InProgress && run.summary.is_none();
    let summary_kept = (run.summary.as_ref()).is_some_and(|s| same(s, &summary));
    let after = run.end_time == Some(END) && run.status == RunStatus::Success && summary_kept;
    if !before && !after {
        return Ok(Some(format!(
            "end_run_update cancelled at its await point {n} left half of it: end_time {:?}, status {:?}, summary {:?}",
            run.end_time, run.status, run.summary
        )));
    }
    let stored = data.hosts.iter().flat_map(|h| &h.operations);
    for found in stored.filter(|o| o.name == op.name) {
        if !same(&op.stored(found.id), found) {
            return Ok(Some(format!(
                "insert_operation cancelled at its await point {n} left half of it: {found:?}"
            )));
        }
    }
    Ok(None)
}
