//! Concurrency in the Logbook's own pattern: a writer thread writes while the main thread
//! resolves hosts and reads timespans, and nothing is lost or fails.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::queue::Write;
use super::{host, ok};
use crate::model::Rule;
use crate::toolkit::classify::inconsistent_host_id;
use crate::toolkit::failure::Disagreement;
use crate::toolkit::meeting::{Meeting, Seat};
use crate::toolkit::{
    cause, label_thread, sample, Check, Ctx, Failure, Group, Level, Need, Twin, Verdict,
};
use crate::{FactLog, Limani};

/// The queue of one run: per operation three fact logs then the operation; snapshots and a failure among them.
fn queue(run_id: &str, hosts: &[i64], operations: usize) -> Vec<Write> {
    let mut writes = Vec::new();
    for i in 0..operations {
        let t0 = 1769462954.0 + i as f64;
        for f in 0..3 {
            writes.push(Write::Fact(sample::fact(
                run_id,
                t0 + 0.1 * f64::from(f),
                &format!("op {i} fact {f}"),
            )));
        }
        let mut op =
            sample::operation(run_id, hosts[i % hosts.len()], &format!("op {i}"), t0 + 0.5);
        op.success = i % 17 != 16;
        writes.push(Write::Operation(Box::new(op)));
        if i % 17 == 16 {
            writes.push(Write::Failure(run_id.to_owned()));
        }
        if i % 10 == 0 {
            writes.push(Write::Snapshot(sample::snapshot(
                run_id,
                hosts[i % hosts.len()],
                "post_operations",
                t0 + 0.9,
            )));
        }
    }
    writes
}

/// Runs the writer over `writes` on its own thread; returns how many were acknowledged and the first error.
fn writer(
    harbor: &dyn Limani,
    writes: &[Write],
    acked: &AtomicUsize,
    seat: &Seat,
) -> Result<(), Failure> {
    label_thread("writer");
    let connected = ok("connect", harbor.connect());
    // Every session is connected before any writes, as two `chaos apply` running together are.
    seat.arrive_and_wait();
    connected?;
    for (i, write) in writes.iter().enumerate() {
        write
            .apply(harbor)
            .map_err(|e| Failure::call(&format!("write {i} on the writer thread"), &e))?;
        acked.store(i + 1, Ordering::SeqCst);
    }
    ok("disconnect", harbor.disconnect())
}

/// How many acknowledged writes are each checked from another thread.
const WRITES_CHECKED: usize = 60;

/// How many new hosts the main thread meets while the writer writes.
const LATE_HOSTS: usize = 12;

const NAMES: [&str; 4] = ["@local", "web-1", "db-1", "192.0.2.10"];

/// One Logbook session on run `n` through `twin`: hosts resolved on the main thread, the queue
/// written by the writer thread while the main thread meets new hosts and reads timespans, then
/// the acknowledged writes applied to the model. The reads after it are the caller's.
fn logbook_session(
    twin: &Twin,
    ctx: &Ctx,
    n: usize,
    operations: usize,
    meeting: Option<&Meeting>,
) -> Verdict {
    let (harbor, seat) = (twin.harbor(), Seat::at(meeting));
    let run_id = ctx.run_id(n);
    twin.create_run(&ctx.new_run(n))?;
    let hosts: Vec<i64> = NAMES
        .iter()
        .map(|h| host(twin, &run_id, h))
        .collect::<Result<_, _>>()?;
    let writes = queue(&run_id, &hosts, operations);
    let (acked, done) = (AtomicUsize::new(0), AtomicBool::new(false));
    let (written, late) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let written = writer(harbor, &writes, &acked, &seat);
            done.store(true, Ordering::SeqCst);
            written
        });
        let late = main_thread(harbor, &run_id, &hosts, &done);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Failure::new("the writer thread panicked")));
        (written, late)
    });
    written?;
    for (name, id) in late? {
        let again = host(twin, &run_id, &name)?;
        if again != id {
            let what =
                format!("get_or_create_host({name:?}) gave {id} during writes, {again} after");
            return Err(Failure::new(what.clone()).breaks(inconsistent_host_id(what)));
        }
    }
    for write in &writes[..acked.load(Ordering::SeqCst)] {
        write.apply_to_model(twin)?;
    }
    Ok(())
}

/// The main thread while the writer writes: new hosts now and then, known hosts and timespan
/// reads in between, as pyinfra's callbacks do; returns the new hosts with their ids.
fn main_thread(
    harbor: &dyn Limani,
    run_id: &str,
    hosts: &[i64],
    done: &AtomicBool,
) -> Result<Vec<(String, i64)>, Failure> {
    label_thread("main thread");
    let mut late = Vec::new();
    let mut round = 0usize;
    while !done.load(Ordering::SeqCst) || round < 5 {
        if round.is_multiple_of(4) && round / 4 < LATE_HOSTS {
            let name = format!("late-host-{}", round / 4);
            let id = harbor
                .get_or_create_host(run_id, &name)
                .map_err(|e| Failure::call("get_or_create_host of a new host during writes", &e))?;
            late.push((name, id));
        }
        let (name, known) = (NAMES[round % NAMES.len()], hosts[round % NAMES.len()]);
        match harbor.get_or_create_host(run_id, name) {
            Ok(id) if id == known => {}
            Ok(id) => {
                let what =
                    format!("get_or_create_host({name:?}) gave {id} during writes, {known} before");
                return Err(Failure::new(what.clone()).breaks(inconsistent_host_id(what)));
            }
            Err(e) => return Err(Failure::call("get_or_create_host during writes", &e)),
        }
        let t0 = 1769462954.0 + (round % 120) as f64;
        match harbor.get_facts_for_timespan(run_id, t0, t0 + 1.0) {
            Ok(rows)
                if rows.windows(2).all(|w| w[0].timestamp <= w[1].timestamp) && rows.len() <= 3 => {
            }
            Ok(rows) => {
                let cause = crate::toolkit::cause::of_timespan(&rows, &[], run_id, t0, t0 + 1.0);
                let what = format!("a timespan read during writes, [{t0}, {}), gave {} rows, out of order or from outside the window", t0 + 1.0, rows.len());
                return Err(Failure::new(what).because(cause));
            }
            Err(e) => return Err(Failure::call("get_facts_for_timespan during writes", &e)),
        }
        round += 1;
    }
    Ok(late)
}

/// The reads the export makes at the end of a session.
fn export_reads(twin: &Twin, run_id: &str) -> Verdict {
    twin.summary(run_id)?;
    twin.timespan(run_id, f64::NEG_INFINITY, f64::INFINITY)?;
    twin.run_data(run_id)
}

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("concurrency", include_str!("concurrency.rs"));
    vec![
        group.check(Level::Required, "logbook_pattern", logbook_pattern),
        group
            .check(
                Level::Required,
                "two_logbook_sessions",
                two_logbook_sessions,
            )
            .needs(Need::Reopen),
        group.check(Level::Recommended, "two_runs_at_once", two_runs_at_once),
        group.check(
            Level::Required,
            "acknowledged_writes_visible",
            acknowledged_writes_visible,
        ),
    ]
}

/// While the writer thread writes, the main thread resolves hosts and reads timespans without errors, and every write is kept.
///
/// Logbook: exactly this pattern, one writer thread for queued writes and the main thread for host lookups and timespan reads.
fn logbook_pattern(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    logbook_session(&twin, ctx, 1, 120, None)?;
    export_reads(&twin, &ctx.run_id(1))
}

/// Two Logbook sessions at once on one store, from two harbor instances, lose nothing and each run reads back whole.
///
/// Logbook: two people running `chaos apply` against one shared store (the reason server-backed harbors exist).
fn two_logbook_sessions(ctx: &Ctx) -> Verdict {
    let other = ctx
        .reopen()
        .ok_or_else(|| Failure::new("no reopen closure"))?;
    ok("init_db on the second instance", other.init_db())?;
    let (first, second, meeting) = (ctx.twin(), Twin::new(&other), Meeting::new(2));
    let sessions: Vec<Verdict> = std::thread::scope(|s| {
        let a = s.spawn(|| logbook_session(&first, ctx, 1, 60, Some(&meeting)));
        let b = s.spawn(|| logbook_session(&second, ctx, 2, 60, Some(&meeting)));
        [a, b]
            .map(|t| {
                t.join()
                    .unwrap_or_else(|_| Err(Failure::new("a session thread panicked")))
            })
            .into()
    });
    sessions.into_iter().collect::<Result<Vec<()>, _>>()?;
    export_reads(&first, &ctx.run_id(1))?;
    export_reads(&second, &ctx.run_id(2))?;
    // Each instance also sees the other's run whole.
    export_reads(&first.rebind(&other), &ctx.run_id(1))?;
    export_reads(&second.rebind(ctx.harbor()), &ctx.run_id(2))
}

/// Two runs written at once from two threads each keep exactly their own records.
///
/// Recommended: one Logbook serves one run; a harbor serving several at once (a server) needs it.
fn two_runs_at_once(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    // Both runs exist before either is written to, whatever the threads' timing: a harbor that
    // sends a write to the wrong run shows it every time.
    let created = std::sync::Barrier::new(2);
    let results: Vec<Verdict> = std::thread::scope(|s| {
        let writers: Vec<_> = (1..=2)
            .map(|n| {
                let (twin, created) = (&twin, &created);
                s.spawn(move || {
                    label_thread(format!("writer of run {n}"));
                    let run_id = ctx.run_id(n);
                    let hosts = (|| {
                        twin.create_run(&ctx.new_run(n))?;
                        NAMES
                            .iter()
                            .map(|h| host(twin, &run_id, h))
                            .collect::<Result<Vec<i64>, _>>()
                    })();
                    created.wait();
                    let hosts = hosts?;
                    for write in queue(&run_id, &hosts, 40) {
                        let (h, m) = (write.apply(twin.harbor()), write.apply_to_model(twin));
                        if h.is_err() || m.is_err() {
                            return Err(Failure::new(format!(
                                "a write of run {n} failed: harbor {h:?}, model {m:?}"
                            )));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(Failure::new("a writer thread panicked")))
            })
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    for n in 1..=2 {
        twin.run_data(&ctx.run_id(n))?;
        twin.summary(&ctx.run_id(n))?;
    }
    Ok(())
}

/// When the first fact log of `acknowledged_writes_visible` is written; the `i`-th is `i` s later.
const FIRST_FACT: f64 = 1769462954.0;

/// The `i`-th fact log the writer of `acknowledged_writes_visible` writes.
fn fact(run_id: &str, i: usize) -> crate::NewFactLog {
    sample::fact(run_id, FIRST_FACT + i as f64, &format!("fact {i}"))
}

/// A write acknowledged on one thread is visible at once from every other thread.
///
/// Logbook: the main thread reads timespans while the writer thread writes, and exports once the queue is done.
fn acknowledged_writes_visible(ctx: &Ctx) -> Verdict {
    let run_id = ctx.run_id(1);
    ok("create_run", ctx.harbor().create_run(&ctx.new_run(1)))?;
    let (verdicts_tx, verdicts) = mpsc::channel::<Verdict>();
    std::thread::scope(|s| {
        // Two readers, each told "n fact logs are acknowledged", each checking it sees exactly n.
        let readers: Vec<mpsc::Sender<usize>> = (1..=2)
            .map(|reader| {
                let (tx, rx) = mpsc::channel::<usize>();
                let (harbor, run_id, verdicts) = (ctx.harbor(), &run_id, verdicts_tx.clone());
                s.spawn(move || {
                    label_thread(format!("reader {reader}"));
                    for acked in rx {
                        let (start, end) = (FIRST_FACT, FIRST_FACT + acked as f64);
                        let seen = harbor.get_facts_for_timespan(run_id, start, end);
                        let verdict = match seen {
                            Ok(rows) if rows.len() == acked => Ok(()),
                            Ok(rows) => {
                                // A row the window itself leaves out is the window's defect, not a lost write.
                                let written: Vec<FactLog> =
                                    (0..acked).map(|i| fact(run_id, i).stored(i as i64 + 1)).collect();
                                let usual = cause::of_timespan(&rows, &written, run_id, start, end);
                                let also = cause::also_of_timespan(&rows, &written, start, end);
                                let what = format!("{acked} fact logs were acknowledged by the writer, reader {reader} saw {}", rows.len());
                                let way = if rows.len() < acked { "fact logs missing" } else { "fact logs extra" };
                                let seen = Disagreement::new(Rule::AcknowledgedIsKept, way, &what);
                                let first = usual.map_or(seen, cause::usual);
                                Err(Failure::new(what).because(usual).breaks(first).explained_by(also))
                            }
                            Err(e) => Err(Failure::call("get_facts_for_timespan", &e)),
                        };
                        if verdicts.send(verdict).is_err() {
                            return;
                        }
                    }
                });
                tx
            })
            .collect();
        label_thread("writer");
        for i in 0..WRITES_CHECKED {
            let fact = fact(&run_id, i);
            let written = ctx
                .harbor()
                .insert_fact_log(&fact)
                .map_err(|e| Failure::call("insert_fact_log", &e));
            let checked = written.and_then(|()| {
                readers[i % 2]
                    .send(i + 1)
                    .map_err(|_| Failure::new("a reader thread stopped"))?;
                verdicts
                    .recv()
                    .unwrap_or_else(|_| Err(Failure::new("a reader thread stopped")))
            });
            checked?;
        }
        Ok(())
    })
}
