//! `limani bench TARGET...`: the Logbook's workload against each target in one run,
//! interleaved in rounds so that the machine's state is shared fairly: operations/s, calls/s
//! and p50/p99 per method, each target's ratio to the first; for a Python harbor, the same
//! workload in the harbor's own process too, in rounds between the bridge's, and how much of
//! that speed the bridge keeps.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bridge::protocol::Call;
use bridge::workload::OwnProcess;
use conformance::toolkit::sample;
use conformance::{Limani, Revision};

use crate::args::Certify;

/// Operations per round and target.
const ROUND: usize = 100;

/// What one target took, call by call.
struct Timings {
    target: String,
    harbor: Option<crate::targets::Opened>,
    run_id: String,
    calls: BTreeMap<&'static str, Vec<Duration>>,
    operations: usize,
    busy: Duration,
    /// A Python harbor's own process running the same workload on the same store, no bridge.
    own: Option<OwnProcess>,
    /// The seconds that process took, round by round.
    own_seconds: f64,
    /// Operations/s of that workload in the harbor's own process.
    in_process: Option<f64>,
}

impl Timings {
    fn time<T>(
        &mut self,
        method: &'static str,
        call: impl FnOnce(&dyn Limani) -> conformance::Result<T>,
    ) -> Result<T, String> {
        let Some(opened) = &self.harbor else {
            return Err(format!("{}: {method}: the harbor is closed", self.target));
        };
        let started = Instant::now();
        let result = call(opened.harbor.as_ref());
        let took = started.elapsed();
        self.busy += took;
        self.calls.entry(method).or_default().push(took);
        result.map_err(|e| format!("{}: {method} failed: {e}", self.target))
    }

    /// One round of the Logbook's workload: per operation a host lookup, two fact logs, the
    /// operation's timespan read and the operation; then the summary stats.
    fn round(&mut self, first: usize) -> Result<(), String> {
        let run = self.run_id.clone();
        for i in first..first + ROUND {
            let host = self.time("get_or_create_host", |h| {
                h.get_or_create_host(&run, &format!("host-{}", i % 20))
            })?;
            let t = 1769462954.0 + i as f64 * 0.01;
            for k in 1..=2 {
                let fact = sample::fact(&run, t + k as f64 * 1e-3, &format!("fact {i}.{k}"));
                self.time("insert_fact_log", |h| h.insert_fact_log(&fact))?;
            }
            let facts = self.time("get_facts_for_timespan", |h| {
                h.get_facts_for_timespan(&run, t, t + 0.005)
            })?;
            let mut op = sample::operation(&run, host, &format!("Operation {}", i % 50), t + 0.005);
            op.command_n_facts = limani_fixtures::rows::facts_json(&facts);
            self.time("insert_operation", |h| h.insert_operation(&op))?;
            self.operations += 1;
        }
        self.time("get_run_summary_stats", |h| h.get_run_summary_stats(&run))
            .map(drop)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

/// Runs `operations` Logbook operations against each target, in interleaved rounds.
pub fn run(targets: &[Certify], operations: usize, json: Option<&Path>) -> ExitCode {
    let mut all = Vec::new();
    for c in targets {
        let opened = match crate::targets::open_harbor(c) {
            Ok(opened) => opened,
            Err((status, message)) => {
                eprintln!("limani: {}: {message}", c.target);
                return ExitCode::from(status);
            }
        };
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut timings = Timings {
            target: c.target.to_string(),
            harbor: Some(opened),
            run_id: format!("bench-{nonce:x}"),
            calls: BTreeMap::new(),
            operations: 0,
            busy: Duration::ZERO,
            own: None,
            own_seconds: 0.0,
            in_process: None,
        };
        let python = (crate::targets::harbor_command(c).ok().flatten())
            .filter(|command| command.fork_server.is_some());
        let run = sample::run(&timings.run_id, Revision::Chaos07);
        let ready = timings
            .time("init_db", |h| h.init_db())
            .and_then(|()| timings.time("create_run", |h| h.create_run(&run)));
        if let Err(message) = ready {
            eprintln!("limani: {message}");
            return ExitCode::from(1);
        }
        if let Some(command) = python {
            match OwnProcess::start(&command, &own_spec(&timings.run_id)) {
                Ok(own) => timings.own = Some(own),
                Err(message) => {
                    eprintln!("limani: {}: {message}", c.target);
                    return ExitCode::from(1);
                }
            }
        }
        all.push(timings);
    }
    let rounds = operations.div_ceil(ROUND).max(1);
    for round in 0..rounds {
        for timings in &mut all {
            // (the bridge first in one round, the harbor's own process first in the next)
            let ran = match round % 2 {
                0 => timings
                    .round(round * ROUND)
                    .and_then(|()| timings.own_round(round)),
                _ => timings
                    .own_round(round)
                    .and_then(|()| timings.round(round * ROUND)),
            };
            if let Err(message) = ran {
                eprintln!("limani: {message}");
                return ExitCode::from(1);
            }
        }
    }
    for timings in &mut all {
        let run = timings.run_id.clone();
        let read = timings.time("get_run_data", |h| h.get_run_data(&run));
        if let Err(message) = read.map(drop).and_then(|()| timings.own_finish()) {
            eprintln!("limani: {message}");
            return ExitCode::from(1);
        }
    }
    print!("{}", table(&all));
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&figures(&all)).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("limani: cannot write {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

impl Timings {
    fn rate(&self) -> f64 {
        self.operations as f64 / self.busy.as_secs_f64().max(1e-9)
    }

    fn calls_rate(&self) -> f64 {
        let calls: usize = self.calls.values().map(Vec::len).sum();
        calls as f64 / self.busy.as_secs_f64().max(1e-9)
    }

    /// The round `round` of the same workload in the harbor's own process, if it has one.
    fn own_round(&mut self, round: usize) -> Result<(), String> {
        if let Some(own) = &mut self.own {
            let seconds = own.round(round * ROUND, ROUND);
            self.own_seconds += seconds.map_err(|e| format!("{}: {e}", self.target))?;
        }
        Ok(())
    }

    /// The run's data read in the harbor's own process, and the operations/s it reached.
    fn own_finish(&mut self) -> Result<(), String> {
        if let Some(mut own) = self.own.take() {
            self.own_seconds += own.finish().map_err(|e| format!("{}: {e}", self.target))?;
            self.in_process = Some(self.operations as f64 / self.own_seconds.max(1e-9));
        }
        Ok(())
    }
}

/// The workload's templates for the harbor's own process (`limani_bridge/workload.py`), given
/// as protocol params: the bench's run, operation and fact log, under a run id of its own.
fn own_spec(run_id: &str) -> serde_json::Value {
    let id = format!("{run_id}-in-process");
    let params = |call: Call| -> serde_json::Value {
        let value = serde_json::to_value(&call).unwrap_or_default();
        let params = value.get("params").cloned().unwrap_or_default();
        params
            .as_object()
            .and_then(|p| p.values().next().cloned())
            .unwrap_or_default()
    };
    serde_json::json!({
        "create_run": params(Call::CreateRun { run: sample::run(&id, Revision::Chaos07) }),
        "insert_operation": params(Call::InsertOperation {
            operation: sample::operation(&id, 0, "Operation 0", 0.0),
        }),
        "insert_fact_log": params(Call::InsertFactLog { fact_log: sample::fact(&id, 0.0, "") }),
    })
}

/// The figures of `--json`: per target operations/s and calls/s through the kit, and for a
/// Python harbor its own process's operations/s and the share the bridge keeps.
fn figures(all: &[Timings]) -> serde_json::Value {
    let targets = all.iter().map(|t| {
        let mut figure = serde_json::json!({
            "target": t.target,
            "operations_per_s": t.rate(),
            "calls_per_s": t.calls_rate(),
        });
        if let Some(own) = t.in_process {
            figure["in_process_operations_per_s"] = own.into();
            figure["bridge_kept"] = (t.rate() / own).into();
        }
        figure
    });
    serde_json::json!({ "targets": targets.collect::<Vec<_>>() })
}

fn table(all: &[Timings]) -> String {
    let first = all.first().map_or(1.0, Timings::rate);
    let mut out = String::new();
    for t in all {
        out += &format!(
            "{}: {:.0} operations/s, {:.0} calls/s, {:.2}x the first target ({} operations)\n",
            t.target,
            t.rate(),
            t.calls_rate(),
            t.rate() / first,
            t.operations
        );
        if let Some(own) = t.in_process {
            out += &format!(
                "  in its own process (a Python loop, no bridge): {own:.0} operations/s; the bridge keeps {:.0} %\n",
                100.0 * t.rate() / own
            );
        }
        for (method, took) in &t.calls {
            let mut sorted = took.clone();
            sorted.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            let mean = sorted.iter().sum::<Duration>() / (sorted.len().max(1) as u32);
            out += &format!(
                "  {method:<24} {:>7} calls  mean {:>8.3} ms  p50 {:>8.3} ms  p99 {:>8.3} ms\n",
                sorted.len(),
                ms(mean),
                ms(percentile(&sorted, 0.5)),
                ms(percentile(&sorted, 0.99))
            );
        }
    }
    out
}
