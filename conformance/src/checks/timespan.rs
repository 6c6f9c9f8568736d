//! Timespan reads: the fact logs of one run with `start <= timestamp < end`, in time order.

use crate::toolkit::{sample, Check, Ctx, Group, Level, Twin, Verdict};

/// The double just above `x`.
fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

/// The double just below `x` (for positive `x`).
fn next_down(x: f64) -> f64 {
    f64::from_bits(x.to_bits() - 1)
}

const T: f64 = 1769462954.5272543;

fn facts_around_t(twin: &Twin, run_id: &str) -> crate::toolkit::Verdict {
    for (i, ts) in [next_down(T), T, next_up(T), T + 1.0, next_down(T + 1.0)]
        .into_iter()
        .enumerate()
    {
        twin.insert_fact_log(&sample::fact(run_id, ts, &format!("fact {i}")))?;
    }
    Ok(())
}

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("timespan", include_str!("timespan.rs"));
    vec![
        group.check(Level::Required, "half_open", half_open),
        group.check(Level::Required, "empty_and_inverted", empty_and_inverted),
        group.check(Level::Required, "only_the_run", only_the_run),
        group.check(Level::Required, "ordered", ordered),
        group.check(Level::Required, "row_fields", row_fields),
        group.check(
            Level::Recommended,
            "nan_bounds_rejected",
            nan_bounds_rejected,
        ),
    ]
}

/// The start is inclusive and the end exclusive, at exact float boundaries and their neighbours.
///
/// Logbook: each operation attaches the facts of [its start, its end); a closed end attaches the next operation's facts.
fn half_open(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    facts_around_t(&twin, &run_id)?;
    for (start, end) in [
        (T, T + 1.0),
        (next_up(T), T + 1.0),
        (next_down(T), T),
        (T, next_up(T)),
        (T, next_down(T + 1.0)),
    ] {
        twin.timespan(&run_id, start, end)?;
    }
    Ok(())
}

/// An empty or inverted window gives an empty list, not an error.
///
/// Logbook: an operation can start and end on one clock tick, or the clock can step back; an error breaks the run.
fn empty_and_inverted(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    facts_around_t(&twin, &run_id)?;
    twin.timespan(&run_id, T, T)?;
    twin.timespan(&run_id, T + 1.0, T)?;
    twin.timespan(&run_id, 0.0, 1.0)
}

/// A timespan read returns only the asked run's fact logs, and nothing for an unknown run.
///
/// Logbook: command_n_facts of an operation must hold only its own run's facts.
fn only_the_run(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    for n in 1..=2 {
        twin.create_run(&ctx.new_run(n))?;
        facts_around_t(&twin, &ctx.run_id(n))?;
    }
    twin.timespan(&ctx.run_id(1), T, T + 1.0)?;
    twin.timespan(&ctx.run_id(2), f64::NEG_INFINITY, f64::INFINITY)?;
    twin.timespan(&ctx.run_id(404), f64::NEG_INFINITY, f64::INFINITY)
}

/// Fact logs come back in timestamp order, even when inserted out of order.
///
/// Logbook: the rows become the operation's command_n_facts as given; the clock can step back between facts.
fn ordered(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    for (i, offset) in [0.9, 0.1, 0.5, 0.1, 0.0, 0.7, 0.5, 0.3]
        .into_iter()
        .enumerate()
    {
        twin.insert_fact_log(&sample::fact(&run_id, T + offset, &format!("fact {i}")))?;
    }
    twin.timespan(&run_id, T, T + 1.0)?;
    twin.timespan(&run_id, T + 0.1, T + 0.6)
}

/// Each row carries id, run_id, timestamp, log_level, context and command, exactly as stored.
///
/// Logbook: the rows are stored in the operation and exported as its command_n_fact_history.
fn row_fields(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let mut fact = sample::fact(&run_id, T, "apt-get install -y nginx");
    fact.context = "running_command_on_web_1".into();
    twin.insert_fact_log(&fact)?;
    twin.insert_fact_log(&sample::fact(
        &run_id,
        T + 0.25,
        "chaos.lib.facts.facts.RamUsage () (ensure_hosts: None)",
    ))?;
    twin.timespan(&run_id, T, T + 1.0)
}

/// A NaN bound is rejected as an invalid value; infinite bounds are allowed.
///
/// Recommended: the Logbook's bounds come from time.time() and are never NaN.
fn nan_bounds_rejected(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    facts_around_t(&twin, &run_id)?;
    twin.timespan(&run_id, f64::NAN, T)?;
    twin.timespan(&run_id, T, f64::NAN)?;
    twin.timespan(&run_id, f64::NEG_INFINITY, f64::INFINITY)
}
