//! The export: a stored run as the v1 logbook, byte for byte as Ch-aOS 0.7 writes it from the
//! same run data.

use limani_contract::{Exact, Json, RunData, SummaryStats};

use super::pyjson::{dumps, dumps_indented, round4, string};

/// How Python's `sum()` adds floats: left to right up to Python 3.11; 3.12 compensates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Summation {
    #[default]
    LeftToRight,
    /// Neumaier's compensated sum, as `sum()` of floats from Python 3.12 on.
    Compensated,
}

/// The order of a run's hosts in its logbook: the export lists them as the harbor's
/// `get_run_data` gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostOrder {
    /// The harbor's own order.
    #[default]
    Harbor,
    /// By name (bytes), as Ch-rima reads the hosts of a SQLite logbook (its unique index on
    /// `(run_id, name)`): the order of the file Ch-aOS exports from a `ch-rima.db`.
    ByName,
}

/// A stored run's logbook, as Ch-aOS 0.7 would export it (the secrets sorted), or None for an
/// unknown run.
pub fn export_run(
    harbor: &dyn limani_contract::Limani,
    run_id: &str,
) -> limani_contract::Result<Option<String>> {
    export_run_in(harbor, run_id, HostOrder::Harbor)
}

/// As [`export_run`], the hosts in `order`.
pub fn export_run_in(
    harbor: &dyn limani_contract::Limani,
    run_id: &str,
    order: HostOrder,
) -> limani_contract::Result<Option<String>> {
    let Some(mut data) = harbor.get_run_data(run_id)? else {
        return Ok(None);
    };
    if order == HostOrder::ByName {
        data.hosts.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let stats = harbor.get_run_summary_stats(run_id)?;
    let secrets: Option<Vec<String>> = data
        .run
        .required_secrets
        .as_ref()
        .map(|s| s.iter().cloned().collect());
    Ok(Some(export(&data, &stats, secrets.as_deref())))
}

/// The logbook Ch-aOS 0.7 exports for `data` (what `get_run_data` returned when it exported),
/// `stats` (what `get_run_summary_stats` returned next) and the secrets the run needed, in the
/// order to write them. Python 3.11's `sum()`; see [`export_with`].
/// `secrets: None` writes a logbook of Ch-aOS before 0.7, which has no `secrets_required`.
pub fn export(data: &RunData, stats: &SummaryStats, secrets: Option<&[String]>) -> String {
    export_with(data, stats, secrets, Summation::LeftToRight)
}

/// As [`export`], with the given `sum()` of the Python that exports.
pub fn export_with(
    data: &RunData,
    stats: &SummaryStats,
    secrets: Option<&[String]>,
    summation: Summation,
) -> String {
    let run = &data.run;
    let mut out = String::from("{\n    \"api_version\": \"v1\",\n");
    out += &format!("    \"run_id\": {},\n", string(&run.run_id_human));
    out += &format!("    \"uggly_run_id\": {},\n", string(&run.id));
    out += &format!(
        "    \"hailer\": {},\n",
        dumps(&payload_or(&run.hailer, empty_object()))
    );
    if let Some(secrets) = secrets {
        let secrets = Exact::List(secrets.iter().cloned().map(Exact::Str).collect());
        out += &format!("    \"secrets_required\": {},\n", dumps(&secrets));
    }
    out += "    \"hosts\": {\n";
    let hosts: Vec<String> = (data.hosts.iter())
        .map(|host| {
            format!(
                "        {}: {}",
                string(&host.name),
                dumps_indented(&host_summary(host))
            )
        })
        .collect();
    out += &hosts.join(",\n");
    out += "\n    },\n";
    let mut summary = summary_fields(stats);
    summary.push(("status".into(), Exact::Str(run.status.as_str().into())));
    section(&mut out, "summary", &Exact::Object(summary), true);
    section(&mut out, "resource_history", &resource_history(data), true);
    section(&mut out, "fact_history", &fact_history(data), true);
    section(&mut out, "streamed_history", &streamed_history(data), true);
    section(
        &mut out,
        "operation_summary",
        &operation_summary(data, summation),
        false,
    );
    out += "}\n";
    out
}

fn section(out: &mut String, key: &str, value: &Exact, comma: bool) {
    *out += &format!(
        "    {}: {}{}\n",
        string(key),
        dumps_indented(value),
        if comma { "," } else { "" }
    );
}

fn empty_object() -> Exact {
    Exact::Object(Vec::new())
}

/// `json.loads(text) if text else default`.
fn payload_or(json: &Option<Json>, default: Exact) -> Exact {
    match json {
        Some(json) if !json.as_str().is_empty() => json.parse(),
        _ => default,
    }
}

fn float(x: f64) -> Exact {
    Exact::Float(x)
}

fn int(n: impl ToString) -> Exact {
    Exact::Int(n.to_string())
}

fn text_or_null(text: &Option<String>) -> Exact {
    text.clone().map_or(Exact::Null, Exact::Str)
}

fn object(fields: Vec<(&str, Exact)>) -> Exact {
    Exact::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// `logs.get(key, "")`.
fn log(logs: &Exact, key: &str) -> Exact {
    logs.get(key).cloned().unwrap_or(Exact::Str(String::new()))
}

fn host_summary(host: &limani_contract::HostRecord) -> Exact {
    let ops = &host.operations;
    let failed = ops.iter().filter(|o| !o.success).count();
    let duration = ops.iter().fold(0.0, |sum, o| sum + o.duration);
    let history = ops.iter().map(|op| {
        let logs = payload_or(&op.logs, Exact::Null);
        object(vec![
            ("operation", Exact::Str(op.name.clone())),
            ("changed", Exact::Bool(op.changed)),
            ("success", Exact::Bool(op.success)),
            ("duration", float(op.duration)),
            ("stdout", log(&logs, "stdout")),
            ("stderr", log(&logs, "stderr")),
            ("diff", text_or_null(&op.diff)),
            (
                "operation_arguments",
                payload_or(&op.arguments, empty_object()),
            ),
            (
                "retry_statistics",
                payload_or(&op.retry_stats, empty_object()),
            ),
        ])
    });
    object(vec![
        ("total_operations", int(ops.len())),
        (
            "changed_operations",
            int(ops.iter().filter(|o| o.changed).count()),
        ),
        ("successful_operations", int(ops.len() - failed)),
        ("failed_operations", int(failed)),
        ("duration", float(round4(duration))),
        ("history", Exact::List(history.collect())),
    ])
}

fn summary_fields(stats: &SummaryStats) -> Vec<(String, Exact)> {
    let fields = [
        ("total_operations", int(stats.total_operations)),
        ("changed_operations", int(stats.changed_operations)),
        ("successful_operations", int(stats.successful_operations)),
        ("failed_operations", int(stats.failed_operations)),
        ("total_duration", float(stats.total_duration)),
    ];
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn resource_history(data: &RunData) -> Exact {
    let snapshots = data.snapshots.iter().map(|s| {
        object(vec![
            ("type", Exact::Str("health_check".into())),
            ("host", Exact::Str(s.host_name.clone())),
            ("stage", text_or_null(&s.stage)),
            ("timestamp", float(s.timestamp)),
            ("metrics", payload_or(&s.metrics, empty_object())),
        ])
    });
    Exact::List(snapshots.collect())
}

/// A fact row as Ch-rima returns it (`SELECT *`: its columns in table order).
pub fn fact_row(f: &limani_contract::FactLog) -> Exact {
    object(vec![
        ("id", int(f.id)),
        ("run_id", Exact::Str(f.run_id.clone())),
        ("timestamp", float(f.timestamp)),
        ("log_level", text_or_null(&f.log_level)),
        ("context", text_or_null(&f.context)),
        ("command", text_or_null(&f.command)),
    ])
}

fn fact_history(data: &RunData) -> Exact {
    let gathering = (data.fact_logs.iter())
        .filter(|f| f.context.as_deref() == Some("fact_gathering"))
        .map(fact_row);
    Exact::List(gathering.collect())
}

/// One `progress` event per operation, hosts in the harbor's order: Ch-aOS sorts them by a
/// `timestamp` key they do not have, which keeps that order.
fn streamed_history(data: &RunData) -> Exact {
    let events = data.hosts.iter().flat_map(|host| {
        host.operations.iter().map(|op| {
            object(vec![
                ("type", Exact::Str("progress".into())),
                ("host", Exact::Str(host.name.clone())),
                ("operation", Exact::Str(op.name.clone())),
                ("changed", Exact::Bool(op.changed)),
                ("success", Exact::Bool(op.success)),
                ("duration", float(op.duration)),
                ("logs", payload_or(&op.logs, empty_object())),
                ("diff", text_or_null(&op.diff)),
                (
                    "operation_arguments",
                    payload_or(&op.arguments, empty_object()),
                ),
                (
                    "retry_statistics",
                    payload_or(&op.retry_stats, empty_object()),
                ),
                (
                    "command_n_fact_history",
                    payload_or(&op.command_n_facts, Exact::List(Vec::new())),
                ),
            ])
        })
    });
    Exact::List(events.collect())
}

fn python_sum(values: &[f64], summation: Summation) -> f64 {
    match summation {
        Summation::LeftToRight => values.iter().fold(0.0, |sum, x| sum + x),
        Summation::Compensated => crate::model::rules::compensated_sum(values.iter().copied()),
    }
}

/// Linear interpolation between closest ranks, as Ch-aOS computes it, rounded to 4 places.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = (sorted.len() - 1) as f64 * (p / 100.0);
    let f = k as usize;
    let c = k - f as f64;
    match sorted.get(f + 1) {
        Some(next) => round4(sorted[f] + c * (next - sorted[f])),
        None => round4(sorted[f]),
    }
}

fn operation_summary(data: &RunData, summation: Summation) -> Exact {
    let mut names: Vec<(&str, Vec<f64>)> = Vec::new();
    for op in data.hosts.iter().flat_map(|h| &h.operations) {
        match names.iter_mut().find(|(name, _)| *name == op.name) {
            Some((_, durations)) => durations.push(op.duration),
            None => names.push((&op.name, vec![op.duration])),
        }
    }
    let entries = names.into_iter().map(|(name, durations)| {
        let total = round4(python_sum(&durations, summation));
        let mut sorted = durations.clone();
        sorted.sort_by(f64::total_cmp);
        let summary = object(vec![
            ("count", int(durations.len())),
            ("total_duration", float(total)),
            (
                "average_duration",
                float(round4(total / durations.len() as f64)),
            ),
            ("p50_duration", float(percentile(&sorted, 50.0))),
            ("p90_duration", float(percentile(&sorted, 90.0))),
            ("p95_duration", float(percentile(&sorted, 95.0))),
            ("p99_duration", float(percentile(&sorted, 99.0))),
        ]);
        (name.to_owned(), summary)
    });
    Exact::Object(entries.collect())
}
