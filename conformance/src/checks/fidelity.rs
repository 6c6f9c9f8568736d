//! Hostile input: every string, number and JSON value comes back exactly as it went in.

use serde_json::{json, Value};

use super::host;
use crate::toolkit::{sample, Check, Ctx, Group, Level, Twin, Verdict};
use crate::Json;

/// Writes a whole run with `text` in every string field, then compares every read.
fn everywhere(twin: &Twin, ctx: &Ctx, n: usize, text: &str) -> Verdict {
    let run_id = ctx.run_id(n);
    let mut run = ctx.new_run(n);
    run.run_id_human = text.to_owned();
    run.hailer_info = json!({"user": text, "boatswain": text, "hostname": text}).into();
    if let Some(secrets) = run.required_secrets.as_mut() {
        secrets.insert(text.to_owned());
    }
    twin.create_run(&run)?;
    let id = host(twin, &run_id, text)?;
    let mut op = sample::operation(&run_id, id, text, 1769462954.0);
    op.op_hash = text.to_owned();
    op.diff = text.to_owned();
    op.logs = json!({"stdout": text, "stderr": text}).into();
    op.arguments = json!({"global_arguments": {"name": text, text: text}}).into();
    twin.insert_operation(&op)?;
    let mut snapshot = sample::snapshot(&run_id, id, text, 1769462954.5);
    snapshot.metrics = json!({"note": text}).into();
    twin.insert_snapshot(&snapshot)?;
    let mut fact = sample::fact(&run_id, 1769462954.25, text);
    (fact.log_level, fact.context) = (text.to_owned(), text.to_owned());
    twin.insert_fact_log(&fact)?;
    twin.end_run_update(
        &run_id,
        1769462999.0,
        "success",
        &json!({"status": "success", "note": text}).into(),
    )?;
    twin.timespan(&run_id, 1769462954.0, 1769462955.0)?;
    twin.run_data(&run_id)
}

fn all_everywhere(ctx: &Ctx, texts: &[&str]) -> Verdict {
    let twin = ctx.twin();
    texts
        .iter()
        .enumerate()
        .try_for_each(|(n, text)| everywhere(&twin, ctx, n + 1, text))
}

/// An operation whose arguments are `arguments`, read back exactly.
fn arguments_kept(ctx: &Ctx, arguments: Value) -> Verdict {
    arguments_read_back(ctx, ctx.twin(), arguments)
}

fn arguments_read_back(ctx: &Ctx, twin: Twin, arguments: Value) -> Verdict {
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    let mut op = sample::operation(&run_id, id, "hostile arguments", 1769462954.0);
    op.arguments = arguments.clone().into();
    op.retry_stats = arguments.into();
    twin.insert_operation(&op)?;
    twin.run_data(&run_id)
}

fn number(text: &str) -> Value {
    serde_json::from_str(text).expect("the kit's number literals parse")
}

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("fidelity", include_str!("fidelity.rs"));
    vec![
        group.check(Level::Required, "unicode", unicode),
        group.check(Level::Required, "nul_characters", nul_characters),
        group.check(
            Level::Required,
            "sql_injection_strings",
            sql_injection_strings,
        ),
        group.check(Level::Required, "empty_strings_kept", empty_strings_kept),
        group.check(Level::Required, "large_stdout", large_stdout),
        group.check(Level::Recommended, "deep_json", deep_json),
        group.check(Level::Required, "integer_limits", integer_limits),
        group.check(Level::Required, "floats_17_digits", floats_17_digits),
        group.check(
            Level::Required,
            "sub_microsecond_timestamps",
            sub_microsecond_timestamps,
        ),
        group.check(Level::Recommended, "json_key_order", json_key_order),
        group.check(
            Level::Recommended,
            "non_finite_rejected",
            non_finite_rejected,
        ),
    ]
}

/// Unicode of every plane, combining marks and right-to-left text are kept exactly.
///
/// Logbook: stdout, diffs and arguments are whatever the user's commands and roles produce.
fn unicode(ctx: &Ctx) -> Verdict {
    all_everywhere(
        ctx,
        &[
            "héllo wörld ñ",
            "日本語のテキスト",
            "😀🎉 🧑\u{200d}💻",
            "\u{10FFFF}\u{E000}\u{FFFD}",
            "e\u{301}\u{302}\u{303} a\u{308}",
            "\u{202E}txet lanimret\u{202C}",
            "مرحبا بالعالم",
            "\u{feff}BOM",
        ],
    )
}

/// NUL characters inside strings are kept, not cut or refused.
///
/// Logbook: command output may hold NUL characters; Python's sqlite3 keeps them.
fn nul_characters(ctx: &Ctx) -> Verdict {
    all_everywhere(ctx, &["a\u{0}b", "\u{0}", "trailing\u{0}"])
}

/// SQL and format metacharacters are stored as text, never run.
///
/// Logbook: commands and their output are user text.
fn sql_injection_strings(ctx: &Ctx) -> Verdict {
    all_everywhere(
        ctx,
        &[
            "'; DROP TABLE runs; --",
            "\" OR 1=1 --",
            "Robert'); DROP TABLE hosts;--",
            "%_\\ $1 $$ ?1 :name {}",
        ],
    )?;
    let twin = ctx.twin();
    twin.create_run(&ctx.new_run(99))?;
    twin.run_data(&ctx.run_id(99))
}

/// Empty strings stay empty strings, never null.
///
/// Logbook: ordinary operations have stdout "" and the export writes it; null would be exported wrong.
fn empty_strings_kept(ctx: &Ctx) -> Verdict {
    all_everywhere(ctx, &[""])
}

/// 16 MiB of stdout is stored and read back whole.
///
/// Logbook: a command's whole stdout is stored in its operation's logs.
fn large_stdout(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    let mut op = sample::operation(&run_id, id, "huge output", 1769462954.0);
    let line = "0123456789abcdef ünïcödé line of build output that goes on\n";
    let stdout: String = line.repeat(16 * 1024 * 1024 / line.len() + 1);
    op.logs = json!({"stdout": stdout, "stderr": ""}).into();
    twin.insert_operation(&op)?;
    twin.run_data(&run_id)
}

/// JSON nested 100 levels deep is kept.
///
/// Recommended: the Logbook's arguments are a few levels deep; Python's json keeps much deeper ones.
fn deep_json(ctx: &Ctx) -> Verdict {
    let mut deep = json!({"leaf": [1, "two", null, true]});
    for level in 0..100 {
        deep = if level % 2 == 0 {
            json!([deep])
        } else {
            json!({"level": deep})
        };
    }
    arguments_kept(ctx, deep)
}

/// Integers at and beyond the i64 and u64 limits are kept exactly.
///
/// Logbook: operation arguments hold the user's integers, which Python keeps at any size.
fn integer_limits(ctx: &Ctx) -> Verdict {
    arguments_kept(
        ctx,
        json!({
            "i64_max": i64::MAX, "i64_min": i64::MIN, "u64_max": u64::MAX,
            "2^53+1": 9007199254740993u64, "beyond_u64": number("18446744073709551617"),
            "below_i64": number("-9223372036854775809"), "python_big": number("1180591620717411303424"),
        }),
    )
}

/// Floats that need 17 significant digits, subnormals and extremes round-trip bit for bit.
///
/// Logbook: times are time.time() floats with 17 significant digits.
fn floats_17_digits(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    let mut run = ctx.new_run(1);
    run.start_time = 1769462953.6252427;
    twin.create_run(&run)?;
    let id = host(&twin, &run_id, "@local")?;
    for (i, x) in [
        0.1 + 0.2,
        1.0 / 3.0,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        123456789.12345679,
    ]
    .into_iter()
    .enumerate()
    {
        let mut op = sample::operation(
            &run_id,
            id,
            &format!("float {i}"),
            1769462954.1234567 + i as f64,
        );
        op.duration = x;
        op.arguments = json!({"x": x, "list": [x, -x]}).into();
        twin.insert_operation(&op)?;
    }
    twin.run_data(&run_id)
}

/// Timestamps one unit in the last place apart stay distinct and in order.
///
/// Logbook: facts and operations microseconds apart must stay in their own timespans.
fn sub_microsecond_timestamps(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    let base = 1769462954.5272543f64;
    for k in [3u64, 0, 2, 1, 4] {
        let ts = f64::from_bits(base.to_bits() + k);
        twin.insert_fact_log(&sample::fact(&run_id, ts, &format!("ulp {k}")))?;
        twin.insert_operation(&sample::operation(&run_id, id, &format!("ulp {k}"), ts))?;
    }
    twin.timespan(
        &run_id,
        f64::from_bits(base.to_bits() + 1),
        f64::from_bits(base.to_bits() + 3),
    )?;
    twin.run_data(&run_id)
}

/// JSON objects keep their keys in the order they were given.
///
/// Recommended: the export's arguments keep the harbor's key order, but no reader of the Logbook depends on it (jsonb sorts keys).
fn json_key_order(ctx: &Ctx) -> Verdict {
    arguments_read_back(
        ctx,
        ctx.twin().with_key_order(),
        json!({"zeta": 1, "alpha": 2, "a": 3, "mid": {"b": 1, "a": 2, "longer key": 3, "c": 4}}),
    )
}

/// NaN and infinite times and durations are rejected with InvalidValue, and nothing is stored.
///
/// Recommended: the Logbook's times are always finite; rejecting NaN keeps a shared store clean.
fn non_finite_rejected(ctx: &Ctx) -> Verdict {
    let twin = ctx.twin();
    let run_id = ctx.run_id(1);
    let mut bad = ctx.new_run(1);
    bad.start_time = f64::NAN;
    twin.create_run(&bad)?;
    twin.create_run(&ctx.new_run(1))?;
    let id = host(&twin, &run_id, "@local")?;
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut op = sample::operation(&run_id, id, "bad duration", 1769462954.0);
        op.duration = x;
        twin.insert_operation(&op)?;
        twin.insert_operation(&sample::operation(&run_id, id, "bad timestamp", x))?;
        twin.insert_fact_log(&sample::fact(&run_id, x, "bad timestamp"))?;
        twin.insert_snapshot(&sample::snapshot(&run_id, id, "bad timestamp", x))?;
        twin.end_run_update(&run_id, x, "success", &Json::empty_object())?;
    }
    twin.run_data(&run_id)
}
