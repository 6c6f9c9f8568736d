//! Summary stats: exact counts, successful = total - failed, duration rounded as Python does.

use super::host;
use crate::toolkit::{sample, Check, Ctx, Group, Level, Verdict};

/// Inserts operations with these (changed, success, duration) into a fresh run 1.
fn operations(
    twin: &crate::toolkit::Twin,
    ctx: &crate::toolkit::Ctx,
    ops: &[(bool, bool, f64)],
) -> crate::toolkit::Verdict {
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(twin, &run_id, "@local")?;
    for (i, &(changed, success, duration)) in ops.iter().enumerate() {
        let mut op = sample::operation(&run_id, id, &format!("op {i}"), 1769462954.0 + i as f64);
        (op.changed, op.success, op.duration) = (changed, success, duration);
        twin.insert_operation(&op)?;
    }
    Ok(())
}

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("summary", include_str!("summary.rs"));
    vec![
        group.check(Level::Required, "counts", counts),
        group.check(Level::Required, "rounded_duration", rounded_duration),
        group.check(
            Level::Required,
            "no_operations_gives_zeros",
            no_operations_gives_zeros,
        ),
        group.check(Level::Recommended, "unknown_run_zeros", unknown_run_zeros),
        group.check(
            Level::Required,
            "counts_every_operation",
            counts_every_operation,
        ),
    ]
}

/// Counts are exact: total, changed, failed, and successful = total - failed.
///
/// Logbook: the summary is stored with the run and exported as is.
fn counts(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    operations(
        &twin,
        ctx,
        &[
            (true, true, 0.1),
            (false, false, 0.2),
            (true, false, 0.3),
            (false, true, 0.4),
            (false, true, 0.5),
        ],
    )?;
    twin.summary(&ctx.run_id(1))
}

/// The total duration is round(sum of durations, 4), summed in any order.
///
/// Logbook: the summary is stored and exported; Ch-rima's round(SUM(duration), 4) sums in SQLite's scan order, left to right before SQLite 3.43 and compensated from it.
fn rounded_duration(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    operations(
        &twin,
        ctx,
        &[
            (false, true, 0.1),
            (false, true, 0.2),
            (false, true, 0.0997),
            (false, true, 0.00005),
        ],
    )?;
    twin.summary(&ctx.run_id(1))
}

/// A run with no operations has total_duration 0.0 and zero counts.
///
/// Logbook: a run aborted before any operation still ends with a summary; None breaks its rounding.
fn no_operations_gives_zeros(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    operations(&twin, ctx, &[])?;
    twin.summary(&ctx.run_id(1))
}

/// An unknown run gives zeros, not an error.
///
/// Recommended: the Logbook asks only for its own run's summary; zeros keep tools that ask for others simple.
fn unknown_run_zeros(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.summary(&ctx.run_id(404))
}

/// The summary counts operations written after a failure status update too.
///
/// Logbook: operations are still written after start_update_run(run, "failure").
fn counts_every_operation(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    operations(&twin, ctx, &[(true, false, 0.25)])?;
    let run_id = ctx.run_id(1);
    twin.start_update_run(&run_id, "failure")?;
    let id = host(&twin, &run_id, "@local")?;
    twin.insert_operation(&sample::operation(
        &run_id,
        id,
        "after the failure",
        1769463000.0,
    ))?;
    twin.summary(&run_id)
}
