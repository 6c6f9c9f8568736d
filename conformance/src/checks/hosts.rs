//! Hosts: one id per run and name, whoever asks and however often.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

use super::host;
use crate::toolkit::{label_thread, sample, Check, Ctx, Failure, Group, Level, Verdict};
use crate::Limani;

/// How many threads race for one new host.
const RACERS: usize = 8;
/// How many new hosts they race for, one after the other.
const ROUNDS: usize = 20;

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("hosts", include_str!("hosts.rs"));
    vec![
        group.check(Level::Required, "idempotent", idempotent),
        group.check(Level::Required, "distinct_per_name", distinct_per_name),
        group.check(Level::Required, "distinct_per_run", distinct_per_run),
        group.check(
            Level::Recommended,
            "idempotent_under_threads",
            idempotent_under_threads,
        ),
        group.check(Level::Required, "ids_in_run_data", ids_in_run_data),
        group.check(Level::Recommended, "own_run_only", own_run_only),
    ]
}

/// get_or_create_host is idempotent: the same run and name always give the same id.
///
/// Logbook: the main thread resolves the host before every queued write of the host.
fn idempotent(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    for _ in 0..3 {
        host(&twin, &ctx.run_id(1), "@local")?;
    }
    twin.run_data(&ctx.run_id(1))
}

/// Different host names in one run get different ids.
///
/// Logbook: a fleet run writes each host's operations under that host's id.
fn distinct_per_name(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    for name in [
        "@local",
        "web-1.example.org",
        "192.0.2.10",
        "web-1.example.org ",
        "WEB-1.example.org",
    ] {
        host(&twin, &ctx.run_id(1), name)?;
    }
    twin.run_data(&ctx.run_id(1))
}

/// The same host name in two runs gives two hosts: runs never share hosts.
///
/// Logbook: every run asks for `@local` again; sharing the host would mix two runs' operations.
fn distinct_per_run(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    twin.create_run(&ctx.new_run(2))?;
    let first = host(&twin, &ctx.run_id(1), "@local")?;
    let second = host(&twin, &ctx.run_id(2), "@local")?;
    if first == second {
        return Err(Failure::new(format!(
            "both runs got host id {first} for \"@local\""
        )));
    }
    twin.run_data(&ctx.run_id(1))?;
    twin.run_data(&ctx.run_id(2))
}

/// Eight threads asking at once for one new host all get one id, with no error, and one host is stored.
///
/// Recommended: the 0.7 Logbook resolves hosts on its main thread only, so the race (Ch-rima's select-then-insert loses it) is latent.
fn idempotent_under_threads(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    let run_id = ctx.run_id(1);
    let (barrier, stopped) = (Barrier::new(RACERS), AtomicBool::new(false));
    let results: Vec<Vec<_>> = std::thread::scope(|s| {
        let racers: Vec<_> = (1..=RACERS)
            .map(|n| {
                let (harbor, barrier, run_id, stopped) =
                    (ctx.harbor(), &barrier, &run_id, &stopped);
                s.spawn(move || {
                    label_thread(format!("thread {n}"));
                    // Each thread reaches the store once first, so all race with warm connections.
                    let _ = harbor.get_facts_for_timespan(run_id, 0.0, 0.0);
                    (0..ROUNDS)
                        .map(|round| {
                            barrier.wait();
                            // After a round with an error the races stop: the error is the verdict.
                            if stopped.load(Ordering::SeqCst) {
                                return Ok(i64::MIN);
                            }
                            let id = harbor.get_or_create_host(
                                run_id,
                                &format!("racy-host-{round}.example.org"),
                            );
                            if id.is_err() {
                                stopped.store(true, Ordering::SeqCst);
                            }
                            id
                        })
                        .collect()
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| (0..ROUNDS).map(|_| Ok(i64::MIN)).collect())
            })
            .collect()
    });
    for round in 0..ROUNDS {
        let errors: Vec<String> = (results.iter().enumerate())
            .filter_map(|(n, thread)| {
                thread[round]
                    .as_ref()
                    .err()
                    .map(|e| format!("thread {}: {e}", n + 1))
            })
            .collect();
        if !errors.is_empty() {
            let what = format!(
                "get_or_create_host failed in race {round} on {} of {RACERS} threads:\n  {}",
                errors.len(),
                errors.join("\n  ")
            );
            return Err(Failure::new(what));
        }
        let ids: Vec<i64> = results
            .iter()
            .filter_map(|thread| thread[round].as_ref().ok().copied())
            .collect();
        if ids.windows(2).any(|w| w[0] != w[1]) {
            let what =
                format!("in race {round} the threads got different ids for one host: {ids:?}");
            let first = crate::toolkit::classify::inconsistent_host_id(what.clone());
            return Err(Failure::new(what).breaks(first));
        }
        host(&twin, &run_id, &format!("racy-host-{round}.example.org"))?;
    }
    twin.run_data(&run_id)
}

/// Host ids in run data, operations and snapshots are the ids get_or_create_host returned.
///
/// Logbook: queued writes carry the ids get_or_create_host gave; the export groups by them.
fn ids_in_run_data(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    for (i, name) in ["@local", "db-1", "10.0.0.7"].into_iter().enumerate() {
        let id = host(&twin, &run_id, name)?;
        let ts = 1769462954.0 + i as f64;
        twin.insert_operation(&sample::operation(&run_id, id, "Install packages", ts))?;
        twin.insert_snapshot(&sample::snapshot(&run_id, id, "post_operations", ts))?;
    }
    twin.run_data(&run_id)
}

/// An operation or snapshot for a host of another run is rejected with UnknownHost and stores nothing.
///
/// Recommended: the Logbook only writes hosts of its own run; refusing others protects a shared store.
fn own_run_only(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    twin.create_run(&ctx.new_run(2))?;
    let other = host(&twin, &ctx.run_id(2), "@local")?;
    twin.insert_operation(&sample::operation(
        &ctx.run_id(1),
        other,
        "wrong host",
        1769462954.0,
    ))?;
    twin.insert_snapshot(&sample::snapshot(
        &ctx.run_id(1),
        other,
        "pre_operations",
        1769462954.0,
    ))?;
    twin.run_data(&ctx.run_id(1))?;
    twin.summary(&ctx.run_id(1))
}
