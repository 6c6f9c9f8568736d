//! Playing a session against a harbor beside the model: step by step on one thread, or
//! split over threads in the Logbook's pattern and checked against the acknowledged order.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::json;

use super::action::{run_of, Action, HOSTS};
use crate::limani::Limani;
use crate::model::rules;
use crate::records::Revision;

/// The host id of a host the harbor would not create: a write to it is refused on both sides.
const NO_HOST: i64 = -1;
use crate::records::{NewFactLog, NewOperation, NewRun, NewSnapshot};
use crate::toolkit::classify;
use crate::toolkit::outcome::outcomes_agree;
use crate::toolkit::{label_thread, sample, Failure, Twin, Verdict};

/// One session's names and the harbor's host ids it has seen.
pub struct Session<'a> {
    pub twin: Twin<'a>,
    prefix: String,
    revision: Revision,
    hosts: Mutex<HashMap<(u8, u8), i64>>,
    created: Mutex<std::collections::HashSet<u8>>,
}

fn name(host: u8) -> &'static str {
    HOSTS[usize::from(host) % HOSTS.len()]
}

impl<'a> Session<'a> {
    pub fn new(harbor: &'a dyn Limani, prefix: String, revision: Revision) -> Self {
        Session {
            twin: Twin::new(harbor),
            prefix,
            revision,
            hosts: Mutex::default(),
            created: Mutex::default(),
        }
    }

    fn created(&self, run: u8) -> bool {
        self.created
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&run)
    }

    pub fn run_id(&self, run: u8) -> String {
        format!("{}-run{run}", self.prefix)
    }

    fn new_run(&self, run: u8) -> NewRun {
        sample::run(&self.run_id(run), self.revision)
    }

    /// The harbor's id of a host, got or created on both sides as the Logbook does before a write.
    fn host(&self, run: u8, host: u8) -> Result<i64, Failure> {
        let id = self
            .twin
            .host(&self.run_id(run), name(host))?
            .unwrap_or(NO_HOST);
        if id != NO_HOST {
            self.hosts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((run, host), id);
        }
        Ok(id)
    }

    /// The operation an `Operation` step writes, for the host id given.
    fn operation(&self, action: &Action, host_id: i64) -> Option<NewOperation> {
        let Action::Operation {
            run,
            at,
            duration,
            changed,
            success,
            text,
            ..
        } = action
        else {
            return None;
        };
        let mut op = sample::operation(&self.run_id(*run), host_id, text, *at);
        (op.duration, op.changed, op.success, op.diff) =
            (*duration, *changed, *success, text.clone());
        op.logs = json!({"stdout": text, "stderr": ""}).into();
        Some(op)
    }

    fn fact(&self, run: u8, at: f64, text: &str) -> NewFactLog {
        sample::fact(&self.run_id(run), at, text)
    }

    fn snapshot(&self, run: u8, host_id: i64, at: f64, text: &str) -> NewSnapshot {
        sample::snapshot(&self.run_id(run), host_id, text, at)
    }

    /// Plays one step on both sides and compares.
    pub fn step(&self, action: &Action) -> Verdict {
        let t = &self.twin;
        if needs_its_run(action) && !self.created(run_of(action)) {
            // Writes for a run never created are lifecycle::writes_to_unknown_run_rejected's
            // (recommended); here the run must simply still be unknown.
            return t.run_data(&self.run_id(run_of(action)));
        }
        match action {
            Action::CreateRun { run } => {
                t.create_run(&self.new_run(*run))?;
                self.created
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(*run);
                Ok(())
            }
            Action::Host { run, host } => self.host(*run, *host).map(drop),
            Action::Operation { run, host, .. } => {
                let id = self.host(*run, *host)?;
                self.operation(action, id)
                    .map_or(Ok(()), |op| t.insert_operation(&op))
            }
            Action::Snapshot {
                run,
                host,
                at,
                text,
            } => {
                let id = self.host(*run, *host)?;
                t.insert_snapshot(&self.snapshot(*run, id, *at, text))
            }
            Action::FactLog { run, at, text } => t.insert_fact_log(&self.fact(*run, *at, text)),
            Action::Status { run, status } => t.start_update_run(&self.run_id(*run), status),
            Action::EndRun { run, at, status } => t.end_run_update(
                &self.run_id(*run),
                *at,
                status,
                &json!({"status": status}).into(),
            ),
            Action::Timespan { run, start, end } => t.timespan(&self.run_id(*run), *start, *end),
            Action::Summary { run } => t.summary(&self.run_id(*run)),
            Action::RunData { run } => t.run_data(&self.run_id(*run)),
        }
    }

    /// Plays every step; the failure names the step.
    pub fn play(&self, actions: &[Action]) -> Verdict {
        for (i, action) in actions.iter().enumerate() {
            self.step(action).map_err(|f| Failure {
                what: format!("step {} ({action}): {}", i + 1, f.what),
                ..f
            })?;
        }
        self.finish(actions)
    }

    /// Every run the session named reads back as the model's.
    fn finish(&self, actions: &[Action]) -> Verdict {
        let mut runs: Vec<u8> = actions.iter().map(run_of).collect();
        runs.sort_unstable();
        runs.dedup();
        for run in runs {
            let id = self.run_id(run);
            let end = |f: Failure| Failure {
                what: format!("after the last step: {}", f.what),
                ..f
            };
            self.twin.run_data(&id).map_err(end)?;
            self.twin.summary(&id).map_err(end)?;
            self.twin
                .timespan(&id, f64::NEG_INFINITY, f64::INFINITY)
                .map_err(end)?;
        }
        Ok(())
    }

    /// Plays the session split over threads: hosts and runs first on the main thread, then one
    /// writer thread writes in order while `readers` threads read; the final state must be the
    /// model's after the writes in the order the harbor acknowledged them.
    pub fn play_concurrently(&self, actions: &[Action], readers: usize) -> Verdict {
        let harbor = self.twin.harbor();
        // The main thread creates runs and resolves hosts before the writes are queued; a write
        // is queued if its run exists at its place in the session, as in `play`.
        let mut writes: Vec<&Action> = Vec::new();
        for action in actions {
            if matches!(action, Action::CreateRun { .. } | Action::Host { .. }) {
                self.step(action)?;
            }
            if !is_write(action) || (needs_its_run(action) && !self.created(run_of(action))) {
                continue;
            }
            if let Action::Operation { run, host, .. } | Action::Snapshot { run, host, .. } = action
            {
                self.host(*run, *host)?;
            }
            writes.push(action);
        }
        let reads: Vec<&Action> = actions
            .iter()
            .filter(|a| !is_write(a) && !matches!(a, Action::CreateRun { .. }))
            .collect();
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let outcomes = Mutex::new(Vec::new());
        let problems = Mutex::new(Vec::<Failure>::new());
        std::thread::scope(|s| {
            s.spawn(|| {
                label_thread("writer");
                for action in &writes {
                    let outcome = self.write_on_harbor(action, &hosts);
                    outcomes
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(outcome);
                }
            });
            for r in 0..readers {
                let (reads, hosts, problems) = (&reads, &hosts, &problems);
                s.spawn(move || {
                    label_thread(format!("reader {}", r + 1));
                    for action in reads.iter().skip(r).step_by(readers) {
                        if let Err(f) = self.sane_read(harbor, action, hosts) {
                            problems.lock().unwrap_or_else(|p| p.into_inner()).push(f);
                        }
                    }
                });
            }
        });
        if let Some(f) = problems.into_inner().unwrap_or_default().into_iter().next() {
            return Err(f);
        }
        // The writer's order is the order the harbor acknowledged: replay it on the model.
        let outcomes = outcomes.into_inner().unwrap_or_default();
        for (action, harbor_outcome) in writes.iter().zip(outcomes) {
            let update_of_unknown_run =
                matches!(action, Action::Status { .. } | Action::EndRun { .. })
                    && !self.twin.model().has_run(&self.run_id(run_of(action)));
            let model_outcome = self.write_on_model(action, &hosts);
            let agree = outcomes_agree(&harbor_outcome, &model_outcome, update_of_unknown_run);
            if !agree {
                let show = |r: &crate::Result<()>| {
                    r.as_ref()
                        .map_err(|e| format!("{:?}: {e}", e.kind()))
                        .map(|()| "Ok")
                };
                let first = classify::of_outcome(action.method(), &harbor_outcome, &model_outcome);
                return Err(Failure::new(format!(
                    "the writer's {action}: the harbor gave {:?}, the contract {:?}",
                    show(&harbor_outcome),
                    show(&model_outcome)
                ))
                .breaks(first));
            }
        }
        self.finish(actions)
    }

    fn write_on_harbor(
        &self,
        action: &Action,
        hosts: &HashMap<(u8, u8), i64>,
    ) -> crate::Result<()> {
        self.write(self.twin.harbor(), action, &|run, host| {
            hosts.get(&(run, host)).copied().unwrap_or(NO_HOST)
        })
    }

    fn write_on_model(&self, action: &Action, hosts: &HashMap<(u8, u8), i64>) -> crate::Result<()> {
        let model_host = |run, host| {
            hosts
                .get(&(run, host))
                .map_or(NO_HOST, |h| self.twin.model_host(*h))
        };
        self.write(self.twin.model(), action, &model_host)
    }

    fn write(
        &self,
        on: &dyn Limani,
        action: &Action,
        host_id: &dyn Fn(u8, u8) -> i64,
    ) -> crate::Result<()> {
        match action {
            Action::Operation { run, host, .. } => self
                .operation(action, host_id(*run, *host))
                .map_or(Ok(()), |op| on.insert_operation(&op)),
            Action::Snapshot {
                run,
                host,
                at,
                text,
            } => on.insert_snapshot(&self.snapshot(*run, host_id(*run, *host), *at, text)),
            Action::FactLog { run, at, text } => on.insert_fact_log(&self.fact(*run, *at, text)),
            Action::Status { run, status } => on.start_update_run(&self.run_id(*run), status),
            Action::EndRun { run, at, status } => on.end_run_update(
                &self.run_id(*run),
                *at,
                status,
                &json!({"status": status}).into(),
            ),
            _ => Ok(()),
        }
    }

    /// A read during writes: no error, hosts keep their ids, timespans hold only that run's
    /// facts of the window, in order.
    fn sane_read(
        &self,
        harbor: &dyn Limani,
        action: &Action,
        hosts: &HashMap<(u8, u8), i64>,
    ) -> Verdict {
        let fail = |what: String| Failure::new(format!("a read during writes, {action}: {what}"));
        // A read that fails where the contract answers: that error's cause.
        let failed = |e: crate::LimaniError| {
            let what = e.to_string();
            fail(what).breaks(classify::of_outcome(action.method(), &Err(e), &Ok(())))
        };
        match action {
            // Only hosts the main thread created are looked up again, as the Logbook does.
            Action::Host { run, host } => match hosts.get(&(*run, *host)) {
                Some(known) => match harbor.get_or_create_host(&self.run_id(*run), name(*host)) {
                    Ok(id) if id == *known => Ok(()),
                    Ok(id) => {
                        let what = format!("gave id {id}, {known} before");
                        let first = crate::toolkit::classify::inconsistent_host_id(what.clone());
                        Err(fail(what).breaks(first))
                    }
                    Err(e) => Err(failed(e)),
                },
                None => Ok(()),
            },
            Action::Timespan { run, start, end } => {
                let rows = harbor
                    .get_facts_for_timespan(&self.run_id(*run), *start, *end)
                    .map_err(&failed)?;
                let inside = rows.iter().all(|f| {
                    f.run_id == self.run_id(*run) && rules::in_timespan(f.timestamp, *start, *end)
                });
                let ordered = rows.windows(2).all(|w| w[0].timestamp <= w[1].timestamp);
                match inside && ordered {
                    true => Ok(()),
                    false => {
                        let run_id = self.run_id(*run);
                        let cause =
                            crate::toolkit::cause::of_timespan(&rows, &[], &run_id, *start, *end);
                        let what = format!(
                            "rows out of the window, of another run or out of order: {rows:?}"
                        );
                        Err(fail(what).because(cause))
                    }
                }
            }
            Action::Summary { run } => harbor
                .get_run_summary_stats(&self.run_id(*run))
                .map(drop)
                .map_err(&failed),
            Action::RunData { run } => harbor
                .get_run_data(&self.run_id(*run))
                .map(drop)
                .map_err(&failed),
            _ => Ok(()),
        }
    }
}

/// Writes that need the run to exist: hosts and what hangs off a run.
fn needs_its_run(action: &Action) -> bool {
    matches!(
        action,
        Action::Host { .. }
            | Action::Operation { .. }
            | Action::Snapshot { .. }
            | Action::FactLog { .. }
    )
}

fn is_write(action: &Action) -> bool {
    matches!(
        action,
        Action::Operation { .. }
            | Action::Snapshot { .. }
            | Action::FactLog { .. }
            | Action::Status { .. }
            | Action::EndRun { .. }
    )
}
