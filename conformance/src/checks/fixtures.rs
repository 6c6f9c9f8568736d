//! Recorded runs of the real Ch-aOS 0.7 Logbook, replayed call for call.

use crate::fixtures::{self, Recording};
use crate::toolkit::{Check, Ctx, Failure, Group, Level, Verdict};

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("fixtures", include_str!("fixtures.rs"));
    vec![group.check(
        Level::Required,
        "recorded_runs_replay",
        recorded_runs_replay,
    )]
}

/// Every recorded `chaos apply` replays call for call, each recorded thread's calls on a thread of their own, in its order across threads, each result the contract's.
///
/// Logbook: the recordings are real runs (a success, a failing step, a rerun, secrets, two
/// hosts): their long fact commands, shell quoting, ids and timings are what a harbor gets,
/// and the writer thread's queued writes come from another thread than the main thread's
/// calls, as a harbor with per-thread connections sees them.
fn recorded_runs_replay(ctx: &Ctx) -> Verdict {
    for (n, fixture) in fixtures::recorded().into_iter().enumerate() {
        let recording = Recording::parse(fixture.trace).map_err(|e| {
            Failure::new(format!(
                "the fixture {} does not parse: {e}",
                fixture.scenario
            ))
        })?;
        let replay = fixtures::replay(&recording, ctx.harbor(), &ctx.run_id(n));
        if let Some(divergence) = replay.divergence {
            let failure = Failure::new(format!(
                "the recorded run \"{}\" diverged at {divergence}",
                fixture.scenario
            ));
            return Err(match replay.first {
                Some(first) => failure.breaks(first),
                None => failure,
            });
        }
    }
    Ok(())
}
