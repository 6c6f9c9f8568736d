//! Runs one check on its own thread under a time limit: a harbor that panics, errors,
//! hangs or deadlocks fails that check with a diagnosis, and the suite goes on.

use std::fmt::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use super::report::{CheckResult, Outcome};
use crate::limani::Limani;
use crate::records::Revision;
use crate::toolkit::probe::panic_text;
use crate::toolkit::{Check, Ctx, Failure, Need, Probe, Reopen};

/// Makes a usable harbor; checks isolate themselves, so it may return the same store each time.
pub type Factory = Arc<dyn Fn() -> Box<dyn Limani> + Send + Sync>;

pub(crate) struct Settings {
    pub revision: Revision,
    pub timeout: Duration,
    pub reopen: Option<Reopen>,
    pub crashable: bool,
    pub property: crate::property::Settings,
    pub reproduce: String,
    /// The async harbor's factory, for an async suite (`Suite::new_async`).
    #[cfg(feature = "tokio")]
    pub tasks: Option<(crate::toolkit::tasks::TaskFactory, Duration)>,
}

/// What an async suite keeps: the harbor's factory and the time each call may take.
#[cfg(feature = "tokio")]
pub(crate) struct AsyncParts {
    pub factory: crate::toolkit::tasks::TaskFactory,
    pub call_timeout_ms: Arc<std::sync::atomic::AtomicU64>,
}

#[cfg(feature = "tokio")]
impl AsyncParts {
    pub(crate) fn call_timeout(&self) -> Duration {
        Duration::from_millis(
            self.call_timeout_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    pub(crate) fn set_call_timeout(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.call_timeout_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The full failure message: clause, what, diff, calls, how to reproduce.
fn message(check: &Check, failure: &Failure, probe: Option<&Probe>, settings: &Settings) -> String {
    let mut out = format!("clause:  {}\nfailure: {}\n", check.clause, failure.what);
    // The usual cause, else the first disagreement said.
    let said = failure.first.as_ref().map(|f| f.said.as_str());
    if let Some(cause) = failure.cause.as_deref().or(said) {
        let _ = writeln!(out, "cause:   {cause}");
    }
    if let Some(diff) = &failure.diff {
        let _ = write!(
            out,
            "diff (- what the contract expects, + what the harbor gave):\n{diff}"
        );
    }
    if let Some(probe) = probe {
        let calls = probe.calls();
        let _ = writeln!(
            out,
            "calls that led here (last {} of {}):",
            calls.len(),
            probe.call_count()
        );
        for call in calls {
            let _ = writeln!(out, "  {call}");
        }
    }
    let _ = write!(
        out,
        "reproduce: {}",
        settings.reproduce.replace("{id}", check.id)
    );
    out
}

pub(crate) fn run_check(check: &Check, factory: &Factory, settings: &Settings) -> CheckResult {
    let started = Instant::now();
    let unmet = match check.need {
        Need::Reopen | Need::Crash if settings.reopen.is_none() => {
            Some("the harbor was not declared persistent (no reopen closure: Suite::reopen, reopen_async), and this check opens its store anew")
        }
        Need::Crash if !settings.crashable => {
            Some("the harbor was not declared crashable (Suite::crashable), so crashes are not checked")
        }
        _ => None,
    };
    if let Some(why) = unmet {
        return CheckResult::new(
            check,
            Outcome::Skipped,
            Duration::ZERO,
            Some(why.to_owned()),
        );
    }
    let slot: Arc<Mutex<Option<Probe>>> = Arc::default();
    let (done, verdict) = mpsc::channel();
    let spawned = {
        let (check, factory, slot) = (*check, factory.clone(), slot.clone());
        let (revision, reopen, property) = (
            settings.revision,
            settings.reopen.clone(),
            settings.property.clone(),
        );
        #[cfg(feature = "tokio")]
        let tasks = settings.tasks.clone();
        std::thread::Builder::new()
            .name(format!("limani check {}", check.id))
            .spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let harbor = catch_unwind(AssertUnwindSafe(|| factory())).map_err(|p| {
                        Failure::new(format!(
                            "the harbor factory panicked: {}",
                            panic_text(p.as_ref())
                        ))
                    })?;
                    let probe = Probe::new(Arc::from(harbor));
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(probe.clone());
                    // The common preamble: the store exists before any check runs.
                    let ready = probe.init_db();
                    ready.map_err(|e| Failure::call("init_db (before the check)", &e))?;
                    let ctx = Ctx::new(probe, &check, revision, reopen, property);
                    #[cfg(feature = "tokio")]
                    let ctx = ctx.with_tasks(tasks);
                    (check.run)(&ctx)
                }));
                let _ = done.send(outcome.unwrap_or_else(|p| {
                    Err(Failure::new(format!(
                        "the check panicked: {}",
                        panic_text(p.as_ref())
                    )))
                }));
            })
    };
    let thread = match spawned {
        Ok(thread) => thread,
        Err(e) => {
            let failure = Failure::new(format!("could not start the check's thread: {e}"));
            let first = crate::toolkit::classify::of_failure(check.group, &failure.what, None);
            return CheckResult::new(
                check,
                Outcome::Failed,
                started.elapsed(),
                Some(message(check, &failure, None, settings)),
            )
            .with_first(first, 0);
        }
    };
    let result = verdict.recv_timeout(settings.timeout);
    let abandoned = result.is_err();
    if !abandoned {
        // The thread has sent its verdict and only drops its harbor and factory now: wait, so
        // that what they hold (a server, a store, a copy) is released before the suite ends.
        let _ = thread.join();
    }
    let probe = slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let failure = match result {
        Ok(Ok(())) => return CheckResult::new(check, Outcome::Passed, started.elapsed(), None),
        Ok(Err(failure)) if failure.skip => {
            return CheckResult::new(
                check,
                Outcome::Skipped,
                started.elapsed(),
                Some(failure.what),
            )
        }
        Ok(Err(failure)) => failure,
        Err(_) => {
            let running = probe.as_ref().map(Probe::in_flight).unwrap_or_default();
            let secs = settings.timeout.as_secs_f64();
            Failure::new(match running.is_empty() {
                true => format!("timed out after {secs} s between harbor calls (the harbor's factory or the check itself)"),
                false => format!("timed out after {secs} s in {}", running.join("; in ")),
            })
        }
    };
    let usual = crate::toolkit::cause::of_error(&failure.what);
    let failure = failure.because(usual);
    let first = (failure.first.clone().map(|f| *f)).unwrap_or_else(|| {
        crate::toolkit::classify::of_failure(check.group, &failure.what, failure.cause.as_deref())
    });
    let calls_made = probe.as_ref().map_or(0, Probe::call_count);
    let text = message(check, &failure, probe.as_ref(), settings);
    if abandoned {
        // The check is abandoned: its harbor is stopped (a process harbor is killed with all it
        // started), so that its hung call ends and nothing of it outlives the suite.
        if let Some(probe) = &probe {
            probe.crash();
        }
    }
    let calls = probe.as_ref().map(Probe::all_calls).unwrap_or_default();
    CheckResult::new(check, Outcome::Failed, started.elapsed(), Some(text))
        .with_calls(calls)
        .with_first(first, calls_made)
}
