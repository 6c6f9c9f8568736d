//! Run data: everything of a run in one read, as the export needs it.

use super::{host, ok};
use crate::toolkit::{sample, Check, Ctx, Group, Level, Verdict};
use crate::Limani;

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("run_data", include_str!("run_data.rs"));
    vec![
        group.check(Level::Recommended, "unknown_run_none", unknown_run_none),
        group.check(
            Level::Required,
            "hosts_without_operations_listed",
            hosts_without_operations_listed,
        ),
        group.check(
            Level::Recommended,
            "hosts_in_creation_order",
            hosts_in_creation_order,
        ),
        group.check(
            Level::Required,
            "snapshots_carry_host_name",
            snapshots_carry_host_name,
        ),
        group.check(Level::Required, "fact_logs_ordered", fact_logs_ordered),
        group.check(Level::Required, "whole_run", whole_run),
    ]
}

/// get_run_data gives None for an unknown run.
///
/// Recommended: the Logbook exports only its own run; None tells other tools a run is missing.
fn unknown_run_none(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.run_data(&ctx.run_id(404))
}

/// Hosts with no operations are still listed, in any order.
///
/// Logbook: a host gets its snapshot before any operation; a run aborted early has hosts with snapshots only.
fn hosts_without_operations_listed(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let busy = host(&twin, &run_id, "busy")?;
    host(&twin, &run_id, "idle")?;
    twin.insert_operation(&sample::operation(&run_id, busy, "op", 1769462954.0))?;
    host(&twin, &run_id, "also-idle")?;
    twin.run_data(&run_id)
}

/// Hosts are listed in the order they were created.
///
/// Recommended: the export keys hosts by name in the harbor's order and nothing reads that order; Ch-rima lists hosts by name.
fn hosts_in_creation_order(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin().with_host_order();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    for name in ["web-2", "@local", "db-1"] {
        host(&twin, &run_id, name)?;
    }
    twin.run_data(&run_id)
}

/// Snapshots carry the name of their host, and are ordered by timestamp.
///
/// Logbook: the export's resource_history names each snapshot's host by host_name.
fn snapshots_carry_host_name(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let a = host(&twin, &run_id, "@local")?;
    let b = host(&twin, &run_id, "192.0.2.10")?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        b,
        "post_operations",
        1769462959.0,
    ))?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        a,
        "pre_operations",
        1769462953.0,
    ))?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        b,
        "pre_operations",
        1769462953.5,
    ))?;
    twin.run_data(&run_id)
}

/// The fact logs of run data are all of the run's fact logs, in timestamp order.
///
/// Logbook: the export's fact_history is run data's fact logs, in the order given.
fn fact_logs_ordered(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    for (i, ts) in [3.0, 1.0, 2.0, 1.0].into_iter().enumerate() {
        twin.insert_fact_log(&sample::fact(
            &run_id,
            1769462950.0 + ts,
            &format!("fact {i}"),
        ))?;
    }
    twin.run_data(&run_id)
}

/// A whole successful Logbook run (hosts, operations, snapshots, facts, summary, end) reads back as the contract says.
///
/// Logbook: this is one `chaos apply --logbook` run, read back by the export.
fn whole_run(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    for (h, name) in ["@local", "web-1", "db-1"].into_iter().enumerate() {
        let id = host(&twin, &run_id, name)?;
        twin.insert_snapshot(&sample::snapshot(
            &run_id,
            id,
            "pre_operations",
            1769462953.0 + h as f64,
        ))?;
        for i in 0..3 {
            let t0 = 1769462954.0 + (h * 10 + i) as f64;
            twin.insert_fact_log(&sample::fact(
                &run_id,
                t0 + 0.1,
                &format!("{name} fact {i}"),
            ))?;
            twin.timespan(&run_id, t0, t0 + 1.0)?;
            let mut op = sample::operation(&run_id, id, &format!("{name} op {i}"), t0 + 0.5);
            op.changed = (h + i) % 2 == 0;
            twin.insert_operation(&op)?;
        }
    }
    twin.summary(&run_id)?;
    let summary = serde_json::to_value(ok(
        "get_run_summary_stats",
        ctx.harbor().get_run_summary_stats(&run_id),
    )?)
    .unwrap_or_default();
    twin.end_run_update(&run_id, 1769463000.0, "success", &summary.into())?;
    twin.run_data(&run_id)
}
