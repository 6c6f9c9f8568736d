//! Operations, snapshots and fact logs: stored exactly, under their host and run, in time order.

use serde_json::json;

use super::host;
use crate::toolkit::{sample, Check, Ctx, Group, Level, Verdict};

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("records", include_str!("records.rs"));
    vec![
        group.check(
            Level::Required,
            "operation_round_trip",
            operation_round_trip,
        ),
        group.check(Level::Required, "snapshot_round_trip", snapshot_round_trip),
        group.check(Level::Required, "fact_log_round_trip", fact_log_round_trip),
        group.check(Level::Required, "grouped_under_host", grouped_under_host),
        group.check(Level::Required, "ordered_by_time", ordered_by_time),
        group.check(
            Level::Recommended,
            "ties_in_insertion_order",
            ties_in_insertion_order,
        ),
        group.check(Level::Required, "runs_isolated", runs_isolated),
    ]
}

/// Every field of an operation round-trips exactly, flags as booleans.
///
/// Logbook: the export writes every field of every operation (`changed`/`success` through bool()).
fn operation_round_trip(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    for (i, (changed, success)) in [(false, true), (true, true), (true, false), (false, false)]
        .into_iter()
        .enumerate()
    {
        let mut op = sample::operation(
            &run_id,
            id,
            &format!("Operation {i}"),
            1769462954.25 + i as f64,
        );
        (op.changed, op.success) = (changed, success);
        op.duration = 0.1234 * (i + 1) as f64;
        op.diff = format!("--- a\n+++ b\n@@ -1 +1 @@\n-old {i}\n+new {i}\n");
        op.logs = json!({"stdout": format!("line {i}\n"), "stderr": "warning: something"}).into();
        op.retry_stats =
            json!({"retry_attempts": i, "max_retries": 3, "retry_info": {"was_retried": i > 0}})
                .into();
        op.command_n_facts =
            json!([{"id": 7, "run_id": run_id, "timestamp": 1769462954.5, "log_level": "DEBUG",
            "context": "fact_gathering", "command": "files.Directory (path=/var/lib/chaos)"}])
            .into();
        twin.insert_operation(&op)?;
    }
    twin.run_data(&run_id)
}

/// Every field of a snapshot round-trips exactly.
///
/// Logbook: the export's resource_history is the snapshots as stored.
fn snapshot_round_trip(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        id,
        "pre_operations",
        1769462953.6523194,
    ))?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        id,
        "post_operations",
        1769462958.0000001,
    ))?;
    twin.run_data(&run_id)
}

/// Every field of a fact log round-trips exactly.
///
/// Logbook: the export's fact_history and command_n_fact_history are the fact logs as stored.
fn fact_log_round_trip(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let mut fact = sample::fact(
        &run_id,
        1769462954.5327191,
        "env SUDO_ASKPASS=/tmp/x *** sudo -H -A -k sh -c 'stat /var/lib/chaos'",
    );
    fact.context = "running_command_on_localhost".into();
    fact.log_level = "INFO".into();
    twin.insert_fact_log(&fact)?;
    twin.run_data(&run_id)?;
    twin.timespan(&run_id, 1769462954.0, 1769462955.0)
}

/// Operations are listed under the host they were written for.
///
/// Logbook: the export's per-host history is the operations listed under each host.
fn grouped_under_host(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let hosts = [
        host(&twin, &run_id, "a")?,
        host(&twin, &run_id, "b")?,
        host(&twin, &run_id, "c")?,
    ];
    for i in 0..9 {
        let op = sample::operation(
            &run_id,
            hosts[(i * 2) % 3],
            &format!("op {i}"),
            1769462954.0 + i as f64,
        );
        twin.insert_operation(&op)?;
    }
    twin.run_data(&run_id)
}

/// Operations, snapshots and fact logs are read in timestamp order, whatever order they were written in.
///
/// Logbook: the export lists history, snapshots and facts in the order run data gives them.
fn ordered_by_time(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    for (i, ts) in [5.0, 1.0, 3.0, 0.5, 4.0].into_iter().enumerate() {
        let ts = 1769462950.0 + ts;
        twin.insert_operation(&sample::operation(&run_id, id, &format!("op {i}"), ts))?;
        twin.insert_snapshot(&sample::snapshot(&run_id, id, &format!("stage {i}"), ts))?;
        twin.insert_fact_log(&sample::fact(&run_id, ts, &format!("fact {i}")))?;
    }
    twin.run_data(&run_id)
}

/// Records of equal timestamps are read in insertion order.
///
/// Recommended: the Logbook stamps records with time.time(), whose values do not tie in a real run; Ch-rima's ORDER BY timestamp leaves ties to SQLite.
fn ties_in_insertion_order(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin().with_tie_order();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    for (i, ts) in [5.0, 1.0, 3.0, 1.0, 5.0, 0.5, 3.0].into_iter().enumerate() {
        let ts = 1769462950.0 + ts;
        twin.insert_operation(&sample::operation(&run_id, id, &format!("op {i}"), ts))?;
        twin.insert_snapshot(&sample::snapshot(&run_id, id, &format!("stage {i}"), ts))?;
        twin.insert_fact_log(&sample::fact(&run_id, ts, &format!("fact {i}")))?;
    }
    twin.run_data(&run_id)?;
    twin.timespan(&run_id, 1769462950.0, 1769462956.0)
}

/// Runs never leak into each other: each run's data holds only its own records.
///
/// Logbook: a store holds every earlier run; the export must show only this one.
fn runs_isolated(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    for n in 1..=3 {
        let run_id = ctx.run_id(n);
        twin.create_run(&ctx.new_run(n))?;
        let id = host(&twin, &run_id, "@local")?;
        for i in 0..n {
            let ts = 1769462954.0 + i as f64;
            twin.insert_operation(&sample::operation(
                &run_id,
                id,
                &format!("run {n} op {i}"),
                ts,
            ))?;
            twin.insert_fact_log(&sample::fact(&run_id, ts, &format!("run {n} fact {i}")))?;
            twin.insert_snapshot(&sample::snapshot(&run_id, id, "post_operations", ts))?;
        }
    }
    for n in 1..=3 {
        twin.run_data(&ctx.run_id(n))?;
        twin.summary(&ctx.run_id(n))?;
        twin.timespan(&ctx.run_id(n), f64::NEG_INFINITY, f64::INFINITY)?;
    }
    Ok(())
}
