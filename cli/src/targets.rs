//! What a target names, made ready: the suite over its harbor (a process, a file, a server
//! the kit starts), and a harbor of it outside any check (replay, export, import, bench).

use std::sync::Arc;
use std::time::Duration;

use bridge::{python, HarborCommand, Launcher, ProcessLimani, PythonHarbor};
use conformance::{Limani, Suite};
use reference::{PgServer, PgStore, PostgresLimani, SqliteLimani};

use crate::args::{self, Certify, Target};
use crate::{interrupt, sqlite_target, start_failure};

/// The command that serves a process target.
pub(crate) fn harbor_command(c: &Certify) -> Result<Option<HarborCommand>, String> {
    let mut command = match &c.target {
        Target::Memory
        | Target::SqliteMemory
        | Target::SqliteFile(_)
        | Target::Postgres(_)
        | Target::PostgresAsync(_)
        | Target::Reference => return Ok(None),
        Target::Python(class) => python::command(
            &PythonHarbor::Class(class.clone()),
            &c.python_path,
            &c.config,
        ),
        Target::EntryPoint(name) => python::command(
            &PythonHarbor::EntryPoint(name.clone()),
            &c.python_path,
            &c.config,
        ),
        Target::Exec(line) => Ok(HarborCommand::new("sh", ["-c", line.as_str()])),
    }
    .map_err(|e| format!("cannot prepare the Python bridge: {e}"))?;
    // The kit's own plugins (`entry-point:limani-sqlite`, ...) serve with this very program.
    if std::env::var_os("LIMANI_BIN").is_none() {
        if let Ok(program) = std::env::current_exe() {
            (command.env).push(("LIMANI_BIN".to_owned(), program.display().to_string()));
        }
    }
    timed(&mut command, c);
    Ok(Some(command))
}

/// The time limits of a process harbor, from `--timeout`.
pub(crate) fn timed(command: &mut HarborCommand, c: &Certify) {
    // A hung call fails a moment after the check's own time limit has named it.
    command.call_timeout = c.timeout + Duration::from_secs(1);
    // Starting may take as long as a call may (a slow import, a server to reach).
    command.start_timeout = command.start_timeout.max(c.timeout);
}

/// A PostgreSQL server (`docker`, `local` or a URL) and a fresh store on it, both removed on
/// Ctrl-C as at the end.
fn postgres_store(which: &str) -> Result<(Arc<PgServer>, Arc<PgStore>), (u8, String)> {
    let server = match which {
        "docker" => PgServer::docker(),
        "local" => PgServer::local(),
        url => reference::postgres::wait_ready(url, Duration::from_secs(10))
            .map(|()| PgServer::at(url)),
    }
    .map_err(|e| {
        (
            1,
            format!("no PostgreSQL server: {}", args::without_passwords(&e)),
        )
    })?;
    eprintln!(
        "limani: PostgreSQL from {}",
        args::without_passwords(server.origin())
    );
    let store = Arc::new(PgStore::fresh(server.url()).map_err(|e| (1, e.to_string()))?);
    let server = Arc::new(server);
    // Weak: the registry must not keep them alive past a normal end.
    let (kept_store, kept_server) = (Arc::downgrade(&store), Arc::downgrade(&server));
    interrupt::on_interrupt(move || {
        kept_store.upgrade().inspect(|store| store.teardown());
        kept_server.upgrade().inspect(|server| server.teardown());
    });
    Ok((server, store))
}

/// The schema of a PostgreSQL logbook that import and export use on a server's URL.
pub(crate) const LOGBOOK_SCHEMA: &str = "chaos_logbook";

/// The suite for the target; Err(exit status, message) when it cannot be certified at all.
pub(crate) fn suite_for(c: &Certify) -> Result<Suite, (u8, String)> {
    if let Target::Reference = c.target {
        return reference_suite(c);
    }
    let suite = match (&c.target, harbor_command(c).map_err(|m| (2, m))?) {
        (_, Some(command)) => {
            // Start it once: it must come up, and its handshake tells its create_run revision.
            // A Python harbor's module is imported once, by a fork server; each harbor is forked.
            let launcher = Arc::new(Launcher::new(&command));
            let first = (launcher.spawn())
                .map_err(|e| (3, start_failure::explain(&e.to_string(), c.verbose)))?;
            let revision = if c.revision_given {
                c.revision
            } else {
                first.revision()
            };
            eprintln!(
                "limani: harbor {} started by `{}`, create_run revision {revision:?}",
                first.name(),
                command.shown()
            );
            drop(first);
            let reopen = launcher.clone();
            let suite = Suite::new(move || launcher.spawn().expect("the harbor process starts"));
            let suite = suite.revision(revision).crashable();
            match c.reopen {
                true => {
                    suite.reopen(move || reopen.spawn().expect("the harbor process starts again"))
                }
                false => suite,
            }
        }
        (Target::SqliteFile(path), None) => {
            let target = sqlite_target::prepare(path, c.in_place).map_err(|e| (2, e))?;
            if target.copy.is_some() {
                eprintln!(
                    "limani: {} exists: certifying a private copy (--in-place: the file itself)",
                    path.display()
                );
            }
            SqliteLimani::open(&target.path).map_err(|e| {
                // A store another program holds is no usage error: the harbor cannot start.
                let status = if e.to_string().contains("locked") {
                    3
                } else {
                    2
                };
                (status, format!("cannot open {}: {e}", path.display()))
            })?;
            if let Some(copy) = &target.copy {
                let folder = copy.path().to_owned();
                interrupt::on_interrupt(move || drop(std::fs::remove_dir_all(&folder)));
            }
            let target = Arc::new(target);
            let (open, reopen) = (target.clone(), target);
            let suite =
                Suite::new(move || SqliteLimani::open(&open.path).expect("open the SQLite harbor"))
                    .revision(c.revision);
            match c.reopen {
                true => suite.reopen(move || {
                    SqliteLimani::open(&reopen.path).expect("reopen the SQLite harbor")
                }),
                false => suite,
            }
        }
        (Target::Postgres(url) | Target::PostgresAsync(url), None)
            if c.on_store && url.contains("://") =>
        {
            // import and export: the logbook's own store on that server, kept.
            reference::postgres::wait_ready(url, Duration::from_secs(10)).map_err(|e| {
                (
                    1,
                    format!("no PostgreSQL server: {}", args::without_passwords(&e)),
                )
            })?;
            let url = url.clone();
            Suite::new(move || {
                PostgresLimani::open(&url, LOGBOOK_SCHEMA).expect("open the PostgreSQL harbor")
            })
            .revision(c.revision)
        }
        (Target::Postgres(which) | Target::PostgresAsync(which), None) => {
            let (server, store) = postgres_store(which)?;
            let (open, reopen) = (store.clone(), store);
            let watched = server.clone();
            let asynchronous = matches!(c.target, Target::PostgresAsync(_));
            let suite = match asynchronous {
                false => Suite::new(move || {
                    let _server = &server; // the server lives as long as the suite
                    open.open().expect("open the PostgreSQL harbor")
                }),
                true => Suite::new_async(move || {
                    let (_server, open) = (server.clone(), open.clone());
                    async move {
                        open.open_async()
                            .await
                            .expect("open the async PostgreSQL harbor")
                    }
                }),
            };
            let suite = suite.revision(c.revision).lost_when(move || watched.lost());
            match (c.reopen, asynchronous) {
                (false, _) => suite,
                (true, false) => {
                    suite.reopen(move || reopen.open().expect("reopen the PostgreSQL harbor"))
                }
                (true, true) => suite.reopen_async(move || {
                    let reopen = reopen.clone();
                    async move {
                        reopen
                            .open_async()
                            .await
                            .expect("reopen the async PostgreSQL harbor")
                    }
                }),
            }
        }
        (Target::Memory, None) => Suite::new(conformance::MemoryLimani::new).revision(c.revision),
        (_, None) => {
            Suite::new(|| SqliteLimani::open_in_memory().expect("open an in-memory SQLite harbor"))
                .revision(c.revision)
        }
    };
    Ok(suite)
}

/// A harbor of the target, outside any check (replay, export, import, bench), with the suite
/// that keeps what it runs on (a server, a cluster, a folder) alive as long as it is held.
pub(crate) struct Opened {
    pub harbor: Box<dyn Limani>,
    _suite: Suite,
}

pub(crate) fn open_harbor(c: &Certify) -> Result<Opened, (u8, String)> {
    // `--timeout` bounds each call of an async harbor here too (a third of it).
    let suite = suite_for(c)?.timeout(c.timeout);
    let harbor = suite.make_harbor().map_err(|message| (1, message))?;
    Ok(Opened {
        harbor,
        _suite: suite,
    })
}

/// `reference:`: the reference harbor on a file of a private folder, in child processes of this
/// program; the folder goes when the suite does, or on Ctrl-C.
fn reference_suite(c: &Certify) -> Result<Suite, (u8, String)> {
    let folder = tempfile::Builder::new()
        .prefix("limani-reference-")
        .tempdir()
        .map_err(|e| (1, format!("cannot make a private folder: {e}")))?;
    let kept = folder.path().to_owned();
    interrupt::on_interrupt(move || drop(std::fs::remove_dir_all(&kept)));
    let program = std::env::current_exe().map_err(|e| (1, format!("where is limani? {e}")))?;
    let store = format!("sqlite:{}", folder.path().join("ch-rima.db").display());
    let mut command = HarborCommand::new(program, ["serve".to_owned(), store]);
    timed(&mut command, c);
    let folder = Arc::new(folder);
    let (open, reopen, again) = (command.clone(), command, folder.clone());
    let suite = Suite::new(move || {
        let _folder = &folder;
        ProcessLimani::spawn(&open).expect("the reference harbor starts")
    })
    .reopen(move || {
        let _folder = &again;
        ProcessLimani::spawn(&reopen).expect("the reference harbor starts again")
    })
    .crashable()
    .revision(c.revision);
    Ok(suite)
}
