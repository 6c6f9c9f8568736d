//! Durability, for persistent harbors: what was acknowledged is there after disconnect and reopen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use super::queue::Write;
use super::{host, ok};
use crate::toolkit::{
    label_thread, sample, Check, Ctx, Failure, Group, Level, Need, Probe, Verdict,
};
use crate::Limani;

/// How many crashes one check makes, each at another point of a burst.
const CRASH_ROUNDS: usize = 6;
/// Writes per burst; the crash comes after 1 to `BURST - 1` of them are acknowledged.
const BURST: usize = 48;

/// Round `round`'s writes: fact logs and operations in turn, with about 4 KB of output each.
fn burst(run_id: &str, host_id: i64, round: usize) -> Vec<Write> {
    (0..BURST)
        .map(|i| {
            let ts = 1769462954.0 + (round * 1000 + i) as f64;
            let name = format!("round {round} write {i}");
            match i % 2 {
                0 => Write::Fact(sample::fact(run_id, ts, &name)),
                _ => {
                    let mut op = sample::operation(run_id, host_id, &name, ts);
                    op.logs = serde_json::json!({"stdout": name.repeat(200), "stderr": ""}).into();
                    Write::Operation(Box::new(op))
                }
            }
        })
        .collect()
}

/// Where the crashes come: a small generator seeded per check, so each run crashes elsewhere.
struct CrashPoints(u64);

impl CrashPoints {
    fn new(seed: u64) -> Self {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        CrashPoints(seed ^ clock | 1)
    }

    fn draw(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A crash point: how many writes are acknowledged first (in `1..BURST`), and how far into
    /// the next write the crash comes, as a fraction of the last write's duration.
    fn next(&mut self) -> (usize, f64) {
        let after = 1 + (self.draw() % (BURST as u64 - 1)) as usize;
        (after, (self.draw() % 1024) as f64 / 1024.0)
    }
}

/// Writes `writes` on a writer thread and crashes the harbor once `after` are acknowledged,
/// `into` the next write (a fraction of the last one's duration), while the writer goes on.
/// Returns how many were acknowledged and the write the crash interrupted.
fn crash_during(
    harbor: &Probe,
    writes: &[Write],
    (after, into): (usize, f64),
) -> Result<(usize, Option<usize>), Failure> {
    let crashed = AtomicBool::new(false);
    let (acks, acked) = mpsc::channel::<(usize, Instant)>();
    std::thread::scope(|s| {
        let crashed = &crashed;
        let writer = s.spawn(move || {
            label_thread("writer");
            let _ = acks.send((0, Instant::now()));
            for (i, write) in writes.iter().enumerate() {
                if crashed.load(Ordering::SeqCst) {
                    return Ok((i, None));
                }
                match write.apply(harbor) {
                    Ok(()) => {
                        let _ = acks.send((i + 1, Instant::now()));
                    }
                    Err(_) if crashed.load(Ordering::SeqCst) => return Ok((i, Some(i))),
                    Err(e) => {
                        return Err(Failure::call(
                            &format!("write {i} of a burst, before this burst's crash"),
                            &e,
                        ))
                    }
                }
            }
            Ok((writes.len(), None))
        });
        // The writer's channel closes when it stops: then there is nothing left to interrupt.
        let mut last = None;
        let reached = acked.iter().find_map(|(n, at)| {
            let took = last.map(|before: Instant| at - before);
            last = Some(at);
            (n >= after).then_some(took.unwrap_or_default())
        });
        if let Some(took) = reached {
            std::thread::sleep(took.mul_f64(into));
        }
        crashed.store(true, Ordering::SeqCst);
        if reached.is_some() && !harbor.crash() {
            return Err(Failure::new(
                "the harbor was declared crashable, but crash() returned false",
            ));
        }
        writer
            .join()
            .unwrap_or_else(|_| Err(Failure::new("the writer thread panicked")))
    })
}

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("durability", include_str!("durability.rs"));
    vec![
        group
            .check(
                Level::Required,
                "reopen_keeps_everything",
                reopen_keeps_everything,
            )
            .needs(Need::Reopen),
        group
            .check(
                Level::Required,
                "host_ids_stable_after_reopen",
                host_ids_stable_after_reopen,
            )
            .needs(Need::Reopen),
        group
            .check(
                Level::Required,
                "acknowledged_writes_survive_a_crash",
                acknowledged_writes_survive_a_crash,
            )
            .needs(Need::Crash),
    ]
}

/// Every acknowledged write is there after disconnect and a reopen of the store.
///
/// Logbook: every later `chaos` command opens the store anew.
fn reopen_keeps_everything(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    twin.insert_fact_log(&sample::fact(&run_id, 1769462954.25, "fact"))?;
    twin.insert_operation(&sample::operation(&run_id, id, "op", 1769462954.5))?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        id,
        "post_operations",
        1769462955.0,
    ))?;
    twin.end_run_update(
        &run_id,
        1769462999.0,
        "success",
        &serde_json::json!({"status": "success"}).into(),
    )?;
    ok("disconnect", ctx.harbor().disconnect())?;
    let reopened = ctx
        .reopen()
        .ok_or_else(|| Failure::new("no reopen closure"))?;
    ok("init_db", reopened.init_db())?;
    let twin = twin.rebind(&reopened);
    twin.run_data(&run_id)?;
    twin.summary(&run_id)?;
    twin.timespan(&run_id, f64::NEG_INFINITY, f64::INFINITY)
}

/// After a reopen, known hosts keep their ids and a new host never reuses one.
///
/// Logbook: the next run opens the store anew; a reused host id mixes its operations with an old run's.
fn host_ids_stable_after_reopen(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    host(&twin, &run_id, "@local")?;
    host(&twin, &run_id, "web-1")?;
    ok("disconnect", ctx.harbor().disconnect())?;
    let reopened = ctx
        .reopen()
        .ok_or_else(|| Failure::new("no reopen closure"))?;
    ok("init_db", reopened.init_db())?;
    let twin = twin.rebind(&reopened);
    host(&twin, &run_id, "web-1")?;
    host(&twin, &run_id, "db-1")?;
    host(&twin, &run_id, "@local")?;
    twin.run_data(&run_id)
}

/// Every write acknowledged before a crash (SIGKILL) is there when the store is reopened, wherever in a burst of writes the crash hits; the write it interrupts is there whole or not at all.
///
/// Logbook: a `chaos apply` can be killed at any point, mostly while its writer thread writes.
fn acknowledged_writes_survive_a_crash(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let host_id = host(&twin, &run_id, "@local")?;
    let mut points = CrashPoints::new(u64::from(std::process::id()));
    let mut maybe = Vec::new();
    for round in 0..CRASH_ROUNDS {
        let harbor = match round {
            0 => ctx.harbor().clone(),
            _ => ctx
                .reopen()
                .ok_or_else(|| Failure::new("no reopen closure"))?,
        };
        ok("init_db", harbor.init_db())?;
        let writes = burst(&run_id, host_id, round);
        let (acked, interrupted) = crash_during(&harbor, &writes, points.next())?;
        for write in &writes[..acked] {
            write.apply_to_model(&twin)?;
        }
        maybe.extend(interrupted.map(|i| writes[i].clone()));
    }
    let reopened = ctx
        .reopen()
        .ok_or_else(|| Failure::new("no reopen closure"))?;
    ok("init_db", reopened.init_db())?;
    // An interrupted write may have been stored: if it is there, the model has it too.
    let stored = ok("get_run_data", reopened.get_run_data(&run_id))?;
    for write in maybe
        .iter()
        .filter(|w| stored.as_ref().is_some_and(|d| w.is_in(d)))
    {
        write.apply_to_model(&twin)?;
    }
    let twin = twin.rebind(&reopened);
    twin.run_data(&run_id)?;
    twin.summary(&run_id)
}
