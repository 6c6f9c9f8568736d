//! Runs: created once, read back exactly, updated by status and at the end.

use serde_json::json;

use super::ok;
use crate::records::Revision;
use crate::toolkit::{failed_call, sample, Check, Ctx, Failure, Group, Level, Verdict};
use crate::{Json, Limani};

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("lifecycle", include_str!("lifecycle.rs"));
    vec![
        group.check(Level::Required, "init_db_keeps_data", init_db_keeps_data),
        group.check(Level::Required, "run_reads_back", run_reads_back),
        group.check(
            Level::Required,
            "create_run_returns_its_id",
            create_run_returns_its_id,
        ),
        group.check(
            Level::Recommended,
            "duplicate_run_rejected",
            duplicate_run_rejected,
        ),
        group.check(Level::Required, "status_update", status_update),
        group.check(
            Level::Required,
            "end_run_update_stored",
            end_run_update_stored,
        ),
        group.check(
            Level::Recommended,
            "invalid_status_rejected",
            invalid_status_rejected,
        ),
        group.check(Level::Required, "create_run_revision", create_run_revision),
        group.check(
            Level::Recommended,
            "unknown_run_updates_create_nothing",
            unknown_run_updates_create_nothing,
        ),
        group.check(
            Level::Recommended,
            "writes_to_unknown_run_rejected",
            writes_to_unknown_run_rejected,
        ),
        group.check(
            Level::Required,
            "connect_answers_the_logbooks_status_query",
            connect_answers_the_logbooks_status_query,
        ),
        group.check(Level::Required, "logbook_call_order", logbook_call_order),
    ]
}

/// init_db creates only what is missing: a second call keeps every run.
///
/// Logbook: every `chaos apply` calls init_db on the store the last run wrote.
fn init_db_keeps_data(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    ok("init_db", ctx.harbor().init_db())?;
    twin.run_data(&ctx.run_id(1))
}

/// A created run reads back exactly: ids, start time, hailer, secrets, status in_progress, no end.
///
/// Logbook: the export writes the run's ids, hailer and secrets from get_run_data.
fn run_reads_back(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    twin.run_data(&ctx.run_id(1))
}

/// create_run returns the run id it was given.
///
/// Logbook: every later call of the run uses the id create_run returned.
fn create_run_returns_its_id(ctx: &Ctx) -> Verdict {
    let id = ok("create_run", ctx.harbor().create_run(&ctx.new_run(1)))?;
    match id == ctx.run_id(1) {
        true => Ok(()),
        false => Err(Failure::differs(
            "create_run returned another id",
            &ctx.run_id(1),
            &id,
        )),
    }
}

/// A duplicate run id is rejected with DuplicateRun and the first run is left as it was.
///
/// Recommended: the Logbook's run ids carry the time and a random number and never repeat; rejecting a duplicate protects a shared store from other writers.
fn duplicate_run_rejected(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    let mut again = ctx.new_run(1);
    again.run_id_human = "chaos-2026/11/25-00:00:00".into();
    again.start_time += 60.0;
    twin.create_run(&again)?;
    twin.run_data(&ctx.run_id(1))
}

/// start_update_run sets the run's status, to any of the three statuses.
///
/// Logbook: a failed operation queues start_update_run(run, "failure") and the export shows the status.
fn status_update(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    for status in ["failure", "success", "in_progress"] {
        twin.start_update_run(&ctx.run_id(1), status)?;
        twin.run_data(&ctx.run_id(1))?;
    }
    Ok(())
}

/// end_run_update stores the end time, final status and summary exactly.
///
/// Logbook: the end of every run stores its end time, status and summary this way.
fn end_run_update_stored(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    let summary = json!({"total_operations": 4, "changed_operations": 1, "successful_operations": 4,
        "failed_operations": 0, "total_duration": 0.5911, "status": "success"});
    twin.end_run_update(
        &ctx.run_id(1),
        1769462999.1234567,
        "success",
        &summary.into(),
    )?;
    twin.run_data(&ctx.run_id(1))
}

/// A status other than in_progress, success or failure is rejected with InvalidStatus and changes nothing.
///
/// Recommended: the Logbook sends only the three statuses; rejecting others keeps a shared store clean.
fn invalid_status_rejected(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    for status in ["done", "SUCCESS", "", "failure ", "in-progress"] {
        twin.start_update_run(&ctx.run_id(1), status)?;
        twin.end_run_update(
            &ctx.run_id(1),
            1769462999.5,
            status,
            &json!({"status": status}).into(),
        )?;
    }
    twin.run_data(&ctx.run_id(1))
}

/// create_run stores the needed secrets under Ch-aOS 0.7 and none under the seed revision.
///
/// Logbook: Ch-aOS 0.7 passes the needed secrets as a set and exports them as `secrets_required`.
fn create_run_revision(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run = ctx.new_run(1);
    if ctx.revision() == Revision::Chaos07
        && run.required_secrets.as_ref().is_none_or(|s| s.is_empty())
    {
        return Err(Failure::new("the kit's sample run has no secrets"));
    }
    twin.create_run(&run)?;
    let mut no_secrets = sample::run(&ctx.run_id(2), ctx.revision());
    if ctx.revision() == Revision::Chaos07 {
        no_secrets.required_secrets = Some(Default::default());
    }
    twin.create_run(&no_secrets)?;
    twin.run_data(&ctx.run_id(1))?;
    twin.run_data(&ctx.run_id(2))
}

/// Updates of an unknown run create no run (they may be rejected with UnknownRun or ignored).
///
/// Recommended: the Logbook updates only the run it created; an update of another run must not invent one.
fn unknown_run_updates_create_nothing(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let ghost = ctx.run_id(404);
    twin.start_update_run(&ghost, "failure")?;
    twin.end_run_update(
        &ghost,
        1769462999.5,
        "success",
        &json!({"status": "success"}).into(),
    )?;
    twin.run_data(&ghost)?;
    twin.summary(&ghost)
}

/// Writes for an unknown run are rejected with UnknownRun and store nothing.
///
/// Recommended: the Logbook writes only for the run it created; Ch-rima accepts such writes on threads without foreign keys.
fn writes_to_unknown_run_rejected(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(1))?;
    let ghost = ctx.run_id(404);
    let real_host = super::host(&twin, &ctx.run_id(1), "@local")?;
    twin.host(&ghost, "@local")?;
    twin.insert_fact_log(&sample::fact(&ghost, 1769462954.5, "echo ghost"))?;
    twin.insert_operation(&sample::operation(
        &ghost,
        real_host,
        "ghost operation",
        1769462955.0,
    ))?;
    twin.insert_snapshot(&sample::snapshot(
        &ghost,
        real_host,
        "pre_operations",
        1769462955.0,
    ))?;
    twin.run_data(&ghost)?;
    twin.timespan(&ghost, f64::NEG_INFINITY, f64::INFINITY)?;
    twin.run_data(&ctx.run_id(1))
}

/// The connection connect() returns answers the Logbook's own "SELECT status FROM runs WHERE id = ?".
///
/// Logbook: end_run runs this query on connect()'s connection and reads row["status"]; without it the run never ends.
fn connect_answers_the_logbooks_status_query(ctx: &Ctx) -> Verdict {
    let run_id = ctx.run_id(1);
    ok("create_run", ctx.harbor().create_run(&ctx.new_run(1)))?;
    ok(
        "start_update_run",
        ctx.harbor().start_update_run(&run_id, "failure"),
    )?;
    let asked = |id: &str| ctx.harbor().status_through_connect(id);
    let Some(status) = asked(&run_id) else {
        return Err(Failure::skip("the harbor offers no DB-API connection (only Python harbors do; the Logbook's end_run uses it)"));
    };
    let status = status.map_err(|e| {
        Failure::new(format!(
            "the Logbook's end_run would break: connect().execute(...) failed: {e}"
        ))
        .breaks(failed_call::of_error("status_through_connect", &e))
    })?;
    if status.as_deref() != Some("failure") {
        return Err(Failure::differs(
            "connect().execute(\"SELECT status FROM runs WHERE id = ?\") gave another status",
            &Some("failure"),
            &status,
        )
        .breaks(failed_call::another_status()));
    }
    match asked(&ctx.run_id(404)) {
        Some(Ok(None)) => Ok(()),
        other => Err(Failure::new(format!(
            "an unknown run should give no row, got {other:?}"
        ))),
    }
}

/// A run read and summed in the Logbook's own order reads back whole: the export's reads come before the last snapshot and end_run_update, and operations follow a failure status.
///
/// Logbook: the real order of 0.7, recorded: summary stats twice, the export's get_run_data while the run is in_progress, then the post_operations snapshot and the end update.
fn logbook_call_order(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let control = super::host(&twin, &run_id, "Dionysus")?;
    let mut setup = sample::operation(&run_id, control, "chaos_setup", 1769462953.7);
    (setup.logs, setup.retry_stats) = (Json::empty_object(), Json::empty_object());
    twin.insert_operation(&setup)?;
    let local = super::host(&twin, &run_id, "@local")?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        local,
        "pre_operations",
        1769462953.8,
    ))?;
    for (i, success) in [true, false, true].into_iter().enumerate() {
        let t0 = 1769462954.0 + i as f64;
        twin.insert_fact_log(&sample::fact(&run_id, t0 + 0.1, &format!("fact {i}")))?;
        twin.timespan(&run_id, t0, t0 + 1.0)?;
        let mut op = sample::operation(&run_id, local, &format!("op {i}"), t0 + 0.5);
        op.success = success;
        twin.insert_operation(&op)?;
        if !success {
            twin.start_update_run(&run_id, "failure")?;
        }
    }
    twin.summary(&run_id)?;
    twin.summary(&run_id)?;
    twin.run_data(&run_id)?;
    twin.insert_snapshot(&sample::snapshot(
        &run_id,
        local,
        "post_operations",
        1769462958.0,
    ))?;
    let mut summary = serde_json::to_value(ok(
        "get_run_summary_stats",
        ctx.harbor().get_run_summary_stats(&run_id),
    )?)
    .unwrap_or_default();
    if let Some(fields) = summary.as_object_mut() {
        fields.insert("status".into(), json!("failure"));
    }
    twin.end_run_update(&run_id, 1769462958.5, "failure", &summary.into())?;
    twin.run_data(&run_id)
}
