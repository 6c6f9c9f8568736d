//! One step of a generated Logbook session, its readable form, and how steps are generated:
//! timestamps that collide and sit on window boundaries, hosts reused across runs, hostile text.

use proptest::prelude::*;
use proptest::sample::select;
use serde::{Deserialize, Serialize};

/// The time all generated timestamps are near.
pub const T0: f64 = 1769462954.0;

/// A step of a session. Runs and hosts are small indexes, so steps collide on purpose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    CreateRun {
        run: u8,
    },
    Host {
        run: u8,
        host: u8,
    },
    Operation {
        run: u8,
        host: u8,
        at: f64,
        duration: f64,
        changed: bool,
        success: bool,
        text: String,
    },
    Snapshot {
        run: u8,
        host: u8,
        at: f64,
        text: String,
    },
    FactLog {
        run: u8,
        at: f64,
        text: String,
    },
    Status {
        run: u8,
        status: String,
    },
    EndRun {
        run: u8,
        at: f64,
        status: String,
    },
    Timespan {
        run: u8,
        start: f64,
        end: f64,
    },
    Summary {
        run: u8,
    },
    RunData {
        run: u8,
    },
}

/// Host names: ordinary, empty, hostile; the same names recur in every run.
pub const HOSTS: [&str; 8] = [
    "@local",
    "web-1",
    "10.0.0.7",
    "db-1.example.org",
    "",
    "h\u{0}st",
    "ħøšŧ",
    "'; --",
];

const TEXTS: [&str; 8] = [
    "",
    "ok",
    "a\u{0}b",
    "日本語 😀",
    "'; DROP TABLE runs; --",
    "e\u{301}",
    "\u{202e}rtl",
    "{\"json\": [1]}",
];
const STATUSES: [&str; 5] = ["failure", "success", "failure", "in_progress", "done"];
const DURATIONS: [f64; 6] = [0.0997, 0.0, 0.1, 0.2, 0.00005, 1.5];

/// Timestamps on a quarter-second grid (so they collide) and the doubles just beside it.
fn time() -> impl Strategy<Value = f64> {
    let ulps = prop_oneof![6 => Just(0i64), 1 => Just(-1i64), 1 => Just(1i64)];
    (0u32..5, ulps).prop_map(|(k, ulps)| {
        let t = T0 + f64::from(k) * 0.25;
        f64::from_bits((t.to_bits() as i64 + ulps) as u64)
    })
}

fn text() -> impl Strategy<Value = String> {
    select(&TEXTS[..]).prop_map(str::to_owned)
}

fn status() -> impl Strategy<Value = String> {
    select(&STATUSES[..]).prop_map(str::to_owned)
}

/// One step, weighted toward writes as a Logbook run is.
pub fn action(runs: u8) -> impl Strategy<Value = Action> {
    let run = 0..runs;
    let host = 0..HOSTS.len() as u8;
    prop_oneof![
        1 => run.clone().prop_map(|run| Action::CreateRun { run }),
        3 => (run.clone(), host.clone()).prop_map(|(run, host)| Action::Host { run, host }),
        5 => (run.clone(), host.clone(), time(), select(&DURATIONS[..]), any::<bool>(), prop::bool::weighted(0.8), text())
            .prop_map(|(run, host, at, duration, changed, success, text)| Action::Operation { run, host, at, duration, changed, success, text }),
        2 => (run.clone(), host, time(), text()).prop_map(|(run, host, at, text)| Action::Snapshot { run, host, at, text }),
        5 => (run.clone(), time(), text()).prop_map(|(run, at, text)| Action::FactLog { run, at, text }),
        2 => (run.clone(), status()).prop_map(|(run, status)| Action::Status { run, status }),
        2 => (run.clone(), time(), status()).prop_map(|(run, at, status)| Action::EndRun { run, at, status }),
        3 => (run.clone(), time(), time()).prop_map(|(run, start, end)| Action::Timespan { run, start, end }),
        1 => run.clone().prop_map(|run| Action::Summary { run }),
        1 => run.prop_map(|run| Action::RunData { run }),
    ]
}

/// A session: all runs but the last are created first, as the Logbook does, then the steps
/// (the last run is unknown until a step creates it).
pub fn session(runs: u8, steps: usize) -> impl Strategy<Value = Vec<Action>> {
    prop::collection::vec(action(runs), 1..steps).prop_map(move |mut steps| {
        let mut session: Vec<Action> = (0..runs - 1).map(|run| Action::CreateRun { run }).collect();
        session.append(&mut steps);
        session
    })
}

/// Only the steps the real Logbook can send, in an order it can send them: a run is created once
/// before any step names it; its status is only ever set to `failure`; it ends once, as `failure`
/// when a failure was recorded, and no step names it after its end.
pub fn logbook_only(actions: &[Action]) -> Vec<Action> {
    use std::collections::HashSet;
    let (mut created, mut failed, mut ended) = (HashSet::new(), HashSet::new(), HashSet::new());
    let mut kept = Vec::new();
    for action in actions {
        let run = run_of(action);
        let keep = match action {
            Action::CreateRun { .. } => created.insert(run),
            _ if !created.contains(&run) || ended.contains(&run) => false,
            Action::Status { status, .. } => {
                status == "failure" && {
                    failed.insert(run);
                    true
                }
            }
            Action::EndRun { status, .. } => {
                let allowed = match failed.contains(&run) {
                    true => status == "failure",
                    false => status == "success" || status == "failure",
                };
                allowed && ended.insert(run)
            }
            _ => true,
        };
        if keep {
            kept.push(action.clone());
        }
    }
    kept
}

/// The run a step names.
pub fn run_of(action: &Action) -> u8 {
    match action {
        Action::CreateRun { run }
        | Action::Host { run, .. }
        | Action::Operation { run, .. }
        | Action::Snapshot { run, .. }
        | Action::FactLog { run, .. }
        | Action::Status { run, .. }
        | Action::EndRun { run, .. }
        | Action::Timespan { run, .. }
        | Action::Summary { run }
        | Action::RunData { run } => *run,
    }
}

fn at(t: f64) -> String {
    format!(
        "T+{:.2}{}",
        t - T0,
        if (t - T0) * 4.0 == ((t - T0) * 4.0).round() {
            ""
        } else {
            "±ulp"
        }
    )
}

impl Action {
    /// The harbor method this action calls.
    pub fn method(&self) -> &'static str {
        match self {
            Action::CreateRun { .. } => "create_run",
            Action::Host { .. } => "get_or_create_host",
            Action::Operation { .. } => "insert_operation",
            Action::Snapshot { .. } => "insert_snapshot",
            Action::FactLog { .. } => "insert_fact_log",
            Action::Status { .. } => "start_update_run",
            Action::EndRun { .. } => "end_run_update",
            Action::Timespan { .. } => "get_facts_for_timespan",
            Action::Summary { .. } => "get_run_summary_stats",
            Action::RunData { .. } => "get_run_data",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = |h: &u8| format!("{:?}", HOSTS[usize::from(*h) % HOSTS.len()]);
        match self {
            Action::CreateRun { run } => write!(f, "create_run run{run}"),
            Action::Host { run, host: h } => write!(f, "get_or_create_host run{run} {}", host(h)),
            Action::Operation { run, host: h, at: t, duration, changed, success, text } => write!(
                f,
                "insert_operation run{run} host {} at {} ({duration} s, changed={changed}, success={success}, {text:?})",
                host(h),
                at(*t)
            ),
            Action::Snapshot { run, host: h, at: t, text } => write!(f, "insert_snapshot run{run} host {} at {} stage {text:?}", host(h), at(*t)),
            Action::FactLog { run, at: t, text } => write!(f, "insert_fact_log run{run} at {} {text:?}", at(*t)),
            Action::Status { run, status } => write!(f, "start_update_run run{run} {status:?}"),
            Action::EndRun { run, at: t, status } => write!(f, "end_run_update run{run} at {} {status:?}", at(*t)),
            Action::Timespan { run, start, end } => write!(f, "get_facts_for_timespan run{run} [{}, {})", at(*start), at(*end)),
            Action::Summary { run } => write!(f, "get_run_summary_stats run{run}"),
            Action::RunData { run } => write!(f, "get_run_data run{run}"),
        }
    }
}
