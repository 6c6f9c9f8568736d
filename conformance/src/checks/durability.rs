//! Durability, for persistent harbors: what was acknowledged is there after disconnect and reopen.

use super::{host, ok};
use crate::suite::{checks, sample, Failure};
use crate::Limani;

checks! {
    group "durability";

    /// Every acknowledged write is there after disconnect and a reopen of the store.
    ///
    /// Logbook: every later `chaos` command opens the store anew.
    Required needs Reopen fn reopen_keeps_everything(ctx) {
        let twin = ctx.twin();
        ok("init_db", ctx.harbor().init_db())?;
        let run_id = ctx.run_id(1);
        twin.create_run(&ctx.new_run(1))?;
        let id = host(&twin, &run_id, "@local")?;
        twin.insert_fact_log(&sample::fact(&run_id, 1769462954.25, "fact"))?;
        twin.insert_operation(&sample::operation(&run_id, id, "op", 1769462954.5))?;
        twin.insert_snapshot(&sample::snapshot(&run_id, id, "post_operations", 1769462955.0))?;
        twin.end_run_update(&run_id, 1769462999.0, "success", &serde_json::json!({"status": "success"}))?;
        ok("disconnect", ctx.harbor().disconnect())?;
        let reopened = ctx.reopen().ok_or_else(|| Failure::new("no reopen closure"))?;
        ok("init_db", reopened.init_db())?;
        let twin = twin.rebind(&reopened);
        twin.run_data(&run_id)?;
        twin.summary(&run_id)?;
        twin.timespan(&run_id, f64::NEG_INFINITY, f64::INFINITY)
    }

    /// After a reopen, known hosts keep their ids and a new host never reuses one.
    ///
    /// Logbook: the next run opens the store anew; a reused host id mixes its operations with an old run's.
    Required needs Reopen fn host_ids_stable_after_reopen(ctx) {
        let twin = ctx.twin();
        ok("init_db", ctx.harbor().init_db())?;
        let run_id = ctx.run_id(1);
        twin.create_run(&ctx.new_run(1))?;
        host(&twin, &run_id, "@local")?;
        host(&twin, &run_id, "web-1")?;
        ok("disconnect", ctx.harbor().disconnect())?;
        let reopened = ctx.reopen().ok_or_else(|| Failure::new("no reopen closure"))?;
        ok("init_db", reopened.init_db())?;
        let twin = twin.rebind(&reopened);
        host(&twin, &run_id, "web-1")?;
        host(&twin, &run_id, "db-1")?;
        host(&twin, &run_id, "@local")?;
        twin.run_data(&run_id)
    }

    /// Every write acknowledged before a crash (SIGKILL) is there when the store is reopened.
    ///
    /// Logbook: a `chaos apply` can be killed at any point; what it was told is written must be there.
    Required needs Crash fn acknowledged_writes_survive_a_crash(ctx) {
        let twin = ctx.twin();
        ok("init_db", ctx.harbor().init_db())?;
        let run_id = ctx.run_id(1);
        twin.create_run(&ctx.new_run(1))?;
        let id = host(&twin, &run_id, "@local")?;
        for i in 0..20 {
            let ts = 1769462954.0 + f64::from(i);
            twin.insert_fact_log(&sample::fact(&run_id, ts, &format!("fact {i}")))?;
            twin.insert_operation(&sample::operation(&run_id, id, &format!("op {i}"), ts + 0.5))?;
        }
        twin.start_update_run(&run_id, "failure")?;
        if !ctx.harbor().crash() {
            return Err(Failure::new("the harbor was declared crashable, but crash() returned false"));
        }
        let reopened = ctx.reopen().ok_or_else(|| Failure::new("no reopen closure"))?;
        ok("init_db", reopened.init_db())?;
        let twin = twin.rebind(&reopened);
        twin.run_data(&run_id)?;
        twin.summary(&run_id)
    }
}
