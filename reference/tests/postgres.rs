//! The whole suite, property part included, against real PostgreSQL: through testcontainers
//! and through a throwaway local cluster. Neither is skipped unless `LIMANI_SKIP` says so
//! (`docker`, `postgres`).

use std::sync::Arc;
use std::time::Instant;

use conformance::suite::Outcome;
use conformance::{Report, Suite};
use reference::postgres::{JsonColumn, TimeColumn};
use reference::{PgServer, PgStore};

fn server(kind: &str, start: fn() -> Result<PgServer, String>) -> Option<PgServer> {
    let what = if kind == "testcontainers" {
        "docker"
    } else {
        "postgres"
    };
    match start() {
        Ok(server) => Some(server),
        Err(why) => {
            reference::unavailable(what, &format!("no PostgreSQL via {kind}: {why}"));
            None
        }
    }
}

/// A container of the image the tests prepare (built here when none can be pulled).
fn container() -> Result<PgServer, String> {
    PgServer::docker_image(&reference::prepare::postgres_image()?)
}

/// The suite over one fresh store (a schema) of `server`, reopened by opening it again.
fn suite(server: &PgServer, json: JsonColumn, time: TimeColumn) -> Suite {
    let store = Arc::new(PgStore::fresh(server.url()).unwrap());
    let again = store.clone();
    Suite::new(move || store.open_with(json, time).unwrap())
        .reopen(move || again.open_with(json, time).unwrap())
        .name(format!("postgres ({})", server.origin()))
}

fn passes_everything(server: &PgServer) {
    let started = Instant::now();
    let report = suite(server, JsonColumn::Text, TimeColumn::Float8).run();
    all_but_the_in_process_skips(&report, started, "run_all", server);
}

/// Every check passed but the two no in-process harbor can take: a crash cannot be made in
/// process (see `limani serve` for that), and a Rust harbor offers the Logbook no DB-API
/// connection (a qmark query would not run on PostgreSQL's anyway).
fn all_but_the_in_process_skips(report: &Report, started: Instant, what: &str, server: &PgServer) {
    let not_passed: Vec<_> = (report.results.iter())
        .filter(|r| r.outcome != Outcome::Passed)
        .map(|r| r.id.as_str())
        .collect();
    let expected = [
        "lifecycle::connect_answers_the_logbooks_status_query",
        "durability::acknowledged_writes_survive_a_crash",
    ];
    assert_eq!(not_passed, expected, "{}", report.to_text());
    println!(
        "{what} on PostgreSQL ({}): {} checks in {:.1} s",
        server.origin(),
        report.results.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_whole_suite_passes_on_postgres_in_a_container() {
    if let Some(server) = server("testcontainers", container) {
        passes_everything(&server);
    }
}

#[test]
fn the_whole_suite_passes_on_a_local_postgres_cluster() {
    if let Some(server) = server("a local cluster", PgServer::local) {
        passes_everything(&server);
    }
}

/// The async harbor over one fresh store, through `Suite::new_async`: every check, the
/// property part and the async-only `tasks` checks, as for the sync harbor.
fn async_passes_everything(server: &PgServer) {
    let started = Instant::now();
    let store = Arc::new(PgStore::fresh(server.url()).unwrap());
    let again = store.clone();
    let report = Suite::new_async(move || {
        let store = store.clone();
        async move { store.open_async().await.unwrap() }
    })
    .reopen_async(move || {
        let store = again.clone();
        async move { store.open_async().await.unwrap() }
    })
    .name(format!("async postgres ({})", server.origin()))
    .run();
    assert!(report
        .results
        .iter()
        .any(|r| r.id == "tasks::one_thread_runtime"));
    all_but_the_in_process_skips(&report, started, "run_all_async", server);
}

#[test]
fn the_async_harbor_passes_everything_in_a_container() {
    if let Some(server) = server("testcontainers", container) {
        async_passes_everything(&server);
    }
}

#[test]
fn the_async_harbor_passes_everything_on_a_local_cluster() {
    if let Some(server) = server("a local cluster", PgServer::local) {
        async_passes_everything(&server);
    }
}

fn fails(server: &PgServer, json: JsonColumn, time: TimeColumn, checks: &[&str]) {
    for check in checks {
        let report = suite(server, json, time).only(*check).run();
        assert_eq!(
            report.results[0].outcome,
            Outcome::Failed,
            "{check} passed a harbor with {json:?}/{time:?}:\n{}",
            report.to_text()
        );
    }
}

#[test]
fn a_harbor_storing_jsonb_or_timestamptz_is_caught() {
    let Some(server) = server("a local cluster", PgServer::local) else {
        return;
    };
    fails(
        &server,
        JsonColumn::Jsonb,
        TimeColumn::Float8,
        &["fidelity::json_key_order", "fidelity::nul_characters"],
    );
    fails(
        &server,
        JsonColumn::Text,
        TimeColumn::Timestamptz,
        &[
            "fidelity::sub_microsecond_timestamps",
            "fidelity::floats_17_digits",
        ],
    );
}

#[test]
fn the_server_comes_from_the_url_first() {
    let Some(local) = server("a local cluster", PgServer::local) else {
        return;
    };
    let chosen = PgServer::any_with(Some(local.url().to_owned())).unwrap();
    assert_eq!(
        (chosen.origin(), chosen.url()),
        ("LIMANI_POSTGRES_URL", local.url())
    );
}

/// Schema names are kept exactly: two names that differ in case are two stores, reserved words
/// and leading digits work, and a name PostgreSQL would cut to 63 bytes is refused.
#[test]
fn schema_names_are_quoted_not_folded() {
    use conformance::{toolkit::sample, Limani, Revision};
    use reference::PostgresLimani;
    let Some(server) = server("a local cluster", PgServer::local) else {
        return;
    };
    let names = ["MyStore", "mystore", "select", "1abc", "with \"quote\""];
    let harbors = names.map(|name| PostgresLimani::open(server.url(), name).unwrap());
    for harbor in &harbors {
        harbor.init_db().unwrap();
    }
    harbors[0]
        .create_run(&sample::run("run-1", Revision::Chaos07))
        .unwrap();
    assert!(harbors[0].get_run_data("run-1").unwrap().is_some());
    assert!(
        harbors[1].get_run_data("run-1").unwrap().is_none(),
        "MyStore and mystore share one schema"
    );
    let long = "x".repeat(64);
    assert!(PostgresLimani::open(server.url(), &long).is_err());
}

/// The kit's own servers want a password (a random one, in their URL) and are reached on the
/// loopback only: no other local user walks in as superuser.
#[test]
fn the_kits_servers_want_a_password_and_listen_on_loopback_only() {
    type Start = fn() -> Result<PgServer, String>;
    let kinds: [(&str, Start); 2] = [
        ("a local cluster", PgServer::local),
        ("testcontainers", container),
    ];
    for (kind, start) in kinds {
        let Some(server) = server(kind, start) else {
            continue;
        };
        let url = server.url();
        let (userinfo, host) = url["postgres://".len()..].split_once('@').unwrap();
        let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
        assert!(host.starts_with("127.0.0.1:"), "{url}");
        let without = format!("postgres://{user}@{host}");
        let refused = postgres::Client::connect(&without, postgres::NoTls).err();
        let refused = refused.map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(
            refused.contains("password"),
            "{kind}: no password asked: {refused:?}"
        );
        if let Some(id) = server.origin().strip_prefix("container ") {
            let id = id.rsplit_once('(').unwrap().1.trim_end_matches(')');
            let out = std::process::Command::new("docker")
                .args(["port", id, "5432/tcp"])
                .output()
                .unwrap();
            let published = String::from_utf8_lossy(&out.stdout);
            assert!(
                published.lines().all(|l| l.starts_with("127.0.0.1:")) && !published.is_empty(),
                "published on {published:?}"
            );
        }
    }
}

/// Every recorded run replays and every logbook round-trips on PostgreSQL.
#[test]
fn recorded_runs_replay_and_round_trip_on_a_local_cluster() {
    use conformance::fixtures::{self, Recording};
    let Some(server) = server("a local cluster", PgServer::local) else {
        return;
    };
    let store = PgStore::fresh(server.url()).unwrap();
    let harbor = store
        .open_with(JsonColumn::Text, TimeColumn::Float8)
        .unwrap();
    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).unwrap();
        let replay = fixtures::replay(&recording, &harbor, "postgres");
        assert!(replay.passed(), "{}", replay.to_text());
    }
    for (name, text) in fixtures::logbooks() {
        conformance::logbook::round_trip(text, &harbor).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
