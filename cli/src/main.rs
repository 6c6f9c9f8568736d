//! `limani`: certify a Limani harbor against the Logbook contract.
//! Exit status: 0 when every required check passes, 1 when one fails, 2 on a usage error.

mod args;
mod bench;
mod interrupt;
mod junit;
mod logbooks;
mod replay;
mod sqlite_target;
mod start_failure;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use args::{Certify, Command, Target};
use bridge::{python, HarborCommand, ProcessLimani, PythonHarbor};
use conformance::suite::CheckResult;
use conformance::{Level, Limani, Revision, Suite};
use reference::{PgServer, PgStore, PostgresLimani, SqliteLimani};

fn main() -> ExitCode {
    interrupt::install();
    if let Err(message) = conformance::property::Settings::from_env() {
        eprintln!("limani: {message}");
        return ExitCode::from(2);
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&argv) {
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's own text, on stdout.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", args::error_text(&e, &argv));
            ExitCode::from(2)
        }
        Ok(Command::Checks { markdown, json }) => {
            print!("{}", list_checks(markdown, json));
            ExitCode::SUCCESS
        }
        Ok(Command::Certify(certify)) => run_certify(&certify),
        Ok(Command::Serve(target)) => run_serve(&target),
        Ok(Command::Replay { trace, certify }) => replay::run(&trace, &certify),
        Ok(Command::Export {
            run,
            output,
            certify,
        }) => logbooks::export(&run, output.as_deref(), &certify),
        Ok(Command::Import {
            logbook,
            new_run_id,
            certify,
        }) => logbooks::import(&logbook, new_run_id, &certify),
        Ok(Command::Bench {
            targets,
            operations,
        }) => bench::run(&targets, operations),
    }
}

fn list_checks(markdown: bool, json: bool) -> String {
    let checks = conformance::suite::all_checks();
    if json {
        let list: Vec<serde_json::Value> = (checks.iter())
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "group": c.group, "level": c.level,
                    "clause": c.clause, "why": c.why(),
                    "cookbook": conformance::suite::cookbook::link(c.id),
                })
            })
            .collect();
        return serde_json::to_string_pretty(&list).expect("a list serializes") + "\n";
    }
    let mut out = String::new();
    if markdown {
        out.push_str(
            "| check | level | clause | why (required: the Logbook behaviour it protects) |\n",
        );
        out.push_str("|---|---|---|---|\n");
    }
    for c in checks {
        let level = format!("{:?}", c.level).to_lowercase();
        match markdown {
            true => out.push_str(&format!(
                "| `{}` | {level} | {} | {} |\n",
                c.id,
                c.clause.replace('|', "\\|"),
                c.why().replace('|', "\\|")
            )),
            false => out.push_str(&format!("{:<54} {:<12} {}\n", c.id, level, c.clause)),
        }
    }
    out
}

/// The command that serves a process target.
fn harbor_command(c: &Certify) -> Result<Option<HarborCommand>, String> {
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
    timed(&mut command, c);
    Ok(Some(command))
}

/// The time limits of a process harbor, from `--timeout`.
fn timed(command: &mut HarborCommand, c: &Certify) {
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
            let first = ProcessLimani::spawn(&command)
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
            let reopen = command.clone();
            let suite = Suite::new(move || {
                ProcessLimani::spawn(&command).expect("the harbor process starts")
            });
            let suite = suite.revision(revision).crashable();
            match c.reopen {
                true => suite.reopen(move || {
                    ProcessLimani::spawn(&reopen).expect("the harbor process starts again")
                }),
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

/// `limani serve`: a built-in harbor over the bridge protocol on stdin/stdout.
fn run_serve(target: &Target) -> ExitCode {
    let harbor: Arc<dyn Limani> = match target {
        Target::SqliteFile(path) => match SqliteLimani::open(path) {
            Ok(h) => Arc::new(h),
            Err(e) => {
                eprintln!("limani: cannot open {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        _ => Arc::new(SqliteLimani::open_in_memory().expect("open an in-memory SQLite harbor")),
    };
    let stdin = std::io::stdin().lock();
    match bridge::serve::serve(
        harbor,
        &target.to_string(),
        Revision::Chaos07,
        stdin,
        std::io::stdout(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("limani: serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// One line per check as it ends, on stderr; on a terminal a counter `[12/64]` and colours
/// (none under `NO_COLOR`).
fn progress(total: usize, strict: bool) -> impl Fn(&CheckResult) + Send + Sync {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let done = std::sync::atomic::AtomicUsize::new(0);
    move |result| {
        let counts = strict || result.level == Level::Required;
        let mark = conformance::suite::report::mark(result.outcome, counts);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let counter = if terminal {
            format!("[{n}/{total}] ")
        } else {
            String::new()
        };
        let mark = match (colour, result.outcome) {
            (false, _) => mark.to_owned(),
            (true, conformance::suite::Outcome::Passed) => format!("\x1b[32m{mark}\x1b[0m"),
            (true, conformance::suite::Outcome::Failed) if counts => {
                format!("\x1b[1;31m{mark}\x1b[0m")
            }
            (true, _) => format!("\x1b[33m{mark}\x1b[0m"),
        };
        eprintln!(
            "  {counter}{mark} {:<54} {:>8.1} ms",
            result.id, result.duration_ms
        );
    }
}

/// The command that runs one check again, as it was run: quoted for a POSIX shell, `{id}` for
/// the check.
fn reproduce(c: &Certify) -> String {
    let mut args = vec![
        "limani".to_owned(),
        "certify".to_owned(),
        c.target.to_string(),
    ];
    for dir in &c.python_path {
        args.extend(["--python-path".to_owned(), dir.display().to_string()]);
    }
    if c.config != "{}" {
        args.extend(["--config".to_owned(), c.config.clone()]);
    }
    if c.revision_given {
        let revision = match c.revision {
            Revision::Seed => "seed",
            Revision::Chaos07 => "chaos07",
        };
        args.extend(["--revision".to_owned(), revision.to_owned()]);
    }
    for (flag, on) in [
        ("--no-reopen", !c.reopen),
        ("--in-place", c.in_place),
        ("--strict", c.strict),
    ] {
        if on {
            args.push(flag.to_owned());
        }
    }
    // Passwords are left out (`***`): the line goes into reports and CI artifacts.
    let quoted: Vec<String> = (args.iter())
        .map(|a| shell_quote(&args::without_passwords(a)))
        .collect();
    format!("{} --only {{id}}", quoted.join(" "))
}

/// `text` as one word of a POSIX shell.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    match !text.is_empty() && text.chars().all(plain) {
        true => text.to_owned(),
        false => format!("'{}'", text.replace('\'', "'\\''")),
    }
}

/// `--log-dir`: each check that did not pass in a file of its own, its message whole.
fn write_log_dir(folder: &std::path::Path, report: &conformance::Report) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for r in report
        .results
        .iter()
        .filter(|r| r.outcome != conformance::suite::Outcome::Passed)
    {
        let name = format!("{}.txt", r.id.replace("::", "__"));
        let mut text = format!(
            "{} {} ({:?})\nclause: {}\n\n{}\n",
            report.status(r),
            r.id,
            r.level,
            r.clause,
            r.message.as_deref().unwrap_or("")
        );
        if !r.calls.is_empty() {
            let n = r.calls.len();
            text.push_str(&format!(
                "\nevery call, arguments and results whole ({n}):\n"
            ));
            for call in &r.calls {
                text.push_str(call);
                text.push('\n');
            }
        }
        std::fs::write(folder.join(name), text)?;
    }
    Ok(())
}

/// For a Python harbor: where the cookbook explains each check that did not pass, one line
/// per section.
fn cookbook_links(report: &conformance::Report) -> String {
    use conformance::suite::cookbook;
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    let not_passed =
        (report.results.iter()).filter(|r| matches!(report.status(r), "failed" | "warned"));
    for r in not_passed {
        let section = cookbook::section(&r.id);
        match sections.iter_mut().find(|(s, _)| *s == section) {
            Some((_, ids)) => ids.push(&r.id),
            None => sections.push((section, vec![&r.id])),
        }
    }
    let mut out = String::new();
    for (section, ids) in sections {
        let ids = conformance::toolkit::shorten(&ids.join(", "), 200, 0);
        out += &format!("see {}#{section} for {ids}\n", cookbook::COOKBOOK);
    }
    out
}

/// The first `--only` or `--skip` id that names no check and no group.
fn unknown_ids(c: &Certify) -> Option<String> {
    let mut checks = conformance::suite::all_checks();
    if let Target::PostgresAsync(_) = c.target {
        checks.extend(conformance::suite::async_checks());
    }
    let known = |id: &str| checks.iter().any(|k| k.id == id || k.group == id);
    let flags = c
        .only
        .iter()
        .map(|id| ("--only", id))
        .chain(c.skip.iter().map(|id| ("--skip", id)));
    for (flag, id) in flags {
        if !known(id) {
            return Some(format!("{flag} {id}: no check or group has this id"));
        }
    }
    None
}

fn run_certify(c: &Certify) -> ExitCode {
    let mut suite = match suite_for(c) {
        Ok(suite) => suite,
        Err((status, message)) => {
            eprintln!("limani: {message}");
            return ExitCode::from(status);
        }
    };
    suite = suite
        .name(c.target.to_string())
        .timeout(c.timeout)
        .reproduce_with(reproduce(c));
    suite = suite.strict(c.strict);
    if let Some(unknown) = unknown_ids(c) {
        eprintln!("limani: {unknown}\nsee `limani checks` for every check and group");
        return ExitCode::from(2);
    }
    for id in &c.only {
        suite = suite.only(id.clone());
    }
    for id in &c.skip {
        suite = suite.skip(id.clone());
    }
    if let Some(cases) = c.cases {
        suite = suite.cases(cases);
    }
    if let Some(seed) = c.seed {
        suite = suite.seed(seed);
    }
    if suite.checks().is_empty() {
        eprintln!("limani: no check matches --only/--skip (see `limani checks`)");
        return ExitCode::from(2);
    }
    eprintln!(
        "limani: certifying {} ({} checks)",
        c.target,
        suite.checks().len()
    );
    let total = suite.checks().len();
    let report = suite.on_result(progress(total, c.strict)).run();
    let outputs = [
        (&c.json, report.to_json()),
        (&c.junit, junit::to_junit(&report)),
        (&c.markdown, report.to_markdown()),
    ];
    for (path, text) in outputs {
        if let Some(path) = path {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("limani: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Some(folder) = &c.log_dir {
        if let Err(e) = write_log_dir(folder, &report) {
            eprintln!("limani: cannot write {}: {e}", folder.display());
            return ExitCode::from(2);
        }
    }
    if let (Target::SqliteFile(path), true) = (&c.target, c.in_place) {
        match sqlite_target::remove_kit_runs(path) {
            Ok(runs) => eprintln!(
                "limani: removed the kit's {runs} runs from {}",
                path.display()
            ),
            Err(e) => eprintln!("limani: {e}"),
        }
    }
    let mut stdout = std::io::stdout().lock();
    // Each result was shown as it came (stderr): the details, the summary and the verdict.
    let _ = write!(stdout, "{}", report.to_text_with(c.verbose));
    if matches!(c.target, Target::Python(_) | Target::EntryPoint(_)) {
        let _ = write!(stdout, "{}", cookbook_links(&report));
    }
    match (report.passed(), &report.server_lost) {
        (false, _) => ExitCode::from(1),
        // The server the kit started went away: the harbor could not be certified.
        (true, Some(_)) => ExitCode::from(3),
        (true, None) => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certify(argv: &[&str]) -> Certify {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        match args::parse(&argv) {
            Ok(Command::Certify(c)) => c,
            _ => panic!("not a certify command: {argv:?}"),
        }
    }

    /// The reproduce line pastes into a shell as it is.
    #[test]
    fn the_reproduce_line_is_quoted() {
        let c = certify(&[
            "certify",
            "python:m:C",
            "--python-path",
            "/a b",
            "--config",
            "{\"k\": \"it's\"}",
        ]);
        assert_eq!(
            reproduce(&c),
            "limani certify python:m:C --python-path '/a b' --config '{\"k\": \"it'\\''s\"}' --only {id}"
        );
    }

    /// A harbor may take as long to start as a call may take: `--timeout` sets both.
    #[test]
    fn the_start_timeout_follows_the_timeout() {
        let c = certify(&["certify", "exec:true", "--timeout", "90"]);
        let command = harbor_command(&c).unwrap().unwrap();
        assert_eq!(command.start_timeout, Duration::from_secs(90));
        assert_eq!(command.call_timeout, Duration::from_secs(91));
    }
}
