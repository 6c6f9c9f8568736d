//! The command line of `limani`, parsed by hand: a few flags, clear errors.

use std::path::PathBuf;
use std::time::Duration;

use conformance::Revision;

pub const USAGE: &str = "usage:
  limani certify TARGET [--only ID]... [--skip ID]... [--timeout SECONDS]
                        [--revision seed|chaos07] [--no-reopen] [--strict] [--in-place]
                        [--python-path DIR]... [--config JSON]
                        [--json FILE] [--junit FILE] [--markdown FILE]
  limani replay FILE TARGET [certify's options]    replay a kit trace, a recording of the real
                                                  Logbook (fixtures/recorded/*.trace.jsonl) or a
                                                  v1 logbook (its import) beside the model
  limani export TARGET --run ID [-o FILE]         a stored run as the v1 logbook Ch-aOS 0.7 writes
  limani import LOGBOOK TARGET                    a v1 logbook's run into the target's store;
                                                  prints the run id
  limani serve TARGET            serve a built-in harbor over the bridge protocol (stdin/stdout)
  limani checks [--markdown]     list every check with its level and clause
  limani help

targets:
  sqlite::memory:          the reference SQLite harbor, in memory
  sqlite:PATH              the reference SQLite harbor on a file (durability checked by reopening it);
                           an existing database is certified on a private copy (--in-place: the
                           file itself, if it is a Ch-rima logbook; the kit's runs removed after)
  postgres://URL           the reference PostgreSQL harbor on that server (a fresh schema, dropped after)
  postgres:docker          ... on a new container through testcontainers ($LIMANI_POSTGRES_IMAGE)
  postgres:local           ... on a throwaway local cluster (initdb/pg_ctl)
  python:MODULE:CLASS      a Python harbor class, built as Class(config) (--python-path, --config)
  entry-point:NAME         a Python harbor registered in the entry-point group chaos.limanis
  exec:COMMAND             any program that speaks docs/bridge-protocol.md on stdin/stdout

A process harbor is restarted for each check and reopened by starting it again
(--no-reopen: it is not persistent, durability is not checked). $LIMANI_PYTHON picks the Python.

ID is a check (timespan::half_open) or a group (timespan).
--strict counts recommended checks as required: every check must pass.
exit status: 0 every required check passed, 1 a required check failed, 2 usage error
(or a file that is not a trace or a logbook: nothing is written),
130 interrupted (Ctrl-C, SIGTERM: what the run started is removed first)";

/// The longest `--timeout` (a day): anything longer is a typo, and too long for a `Duration`.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

pub enum Target {
    SqliteMemory,
    SqliteFile(PathBuf),
    /// A PostgreSQL URL, `docker` or `local` (a fresh schema is used and dropped).
    Postgres(String),
    Python(String),
    EntryPoint(String),
    Exec(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::SqliteMemory => f.write_str("sqlite::memory:"),
            Target::SqliteFile(path) => write!(f, "sqlite:{}", path.display()),
            Target::Postgres(url) if url.contains("://") => f.write_str(url),
            Target::Postgres(kind) => write!(f, "postgres:{kind}"),
            Target::Python(class) => write!(f, "python:{class}"),
            Target::EntryPoint(name) => write!(f, "entry-point:{name}"),
            Target::Exec(command) => write!(f, "exec:{command}"),
        }
    }
}

pub struct Certify {
    pub target: Target,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub timeout: Duration,
    pub revision: Revision,
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub revision_given: bool,
    pub reopen: bool,
    pub python_path: Vec<PathBuf>,
    pub config: String,
    pub strict: bool,
    pub in_place: bool,
}

pub enum Command {
    Certify(Certify),
    Checks {
        markdown: bool,
    },
    Serve(Target),
    Replay {
        trace: PathBuf,
        certify: Certify,
    },
    /// `export TARGET --run ID [-o FILE]`: a stored run as a v1 logbook.
    Export {
        run: String,
        output: Option<PathBuf>,
        certify: Certify,
    },
    /// `import LOGBOOK TARGET`: a v1 logbook's run written into the target's store.
    Import {
        logbook: PathBuf,
        certify: Certify,
    },
    Help,
}

fn target(text: &str) -> Result<Target, String> {
    let unknown = || format!("unknown target {text:?} (see the targets below)");
    let (kind, rest) = text.split_once(':').ok_or_else(unknown)?;
    match (kind, rest) {
        ("sqlite", ":memory:") => Ok(Target::SqliteMemory),
        ("sqlite", "") => Err("sqlite: needs a path, or :memory:".to_owned()),
        ("sqlite", path) => Ok(Target::SqliteFile(PathBuf::from(path))),
        ("postgres" | "postgresql", "docker" | "local") => Ok(Target::Postgres(rest.to_owned())),
        ("postgres" | "postgresql", url) if url.starts_with("//") => {
            Ok(Target::Postgres(text.to_owned()))
        }
        ("python", class) => match class.split_once(':') {
            Some((m, c)) if !m.is_empty() && !c.is_empty() => Ok(Target::Python(class.to_owned())),
            _ => Err(format!("python: takes MODULE:CLASS, not {rest:?}")),
        },
        ("entry-point", name) if !name.is_empty() => Ok(Target::EntryPoint(name.to_owned())),
        ("exec", command) if !command.trim().is_empty() => Ok(Target::Exec(command.to_owned())),
        _ => Err(unknown()),
    }
}

pub fn parse(argv: &[String]) -> Result<Command, String> {
    let mut args = argv.iter();
    match args.next().map(String::as_str) {
        None | Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some("checks") => match args.next().map(String::as_str) {
            None => Ok(Command::Checks { markdown: false }),
            Some("--markdown") => Ok(Command::Checks { markdown: true }),
            Some(other) => Err(format!("unknown argument {other:?} for checks")),
        },
        Some("serve") => match (args.next(), args.next()) {
            (Some(t), None) => match target(t)? {
                t @ (Target::SqliteMemory | Target::SqliteFile(_)) => Ok(Command::Serve(t)),
                _ => {
                    Err("serve takes a built-in harbor: sqlite::memory: or sqlite:PATH".to_owned())
                }
            },
            _ => Err("serve takes one TARGET".to_owned()),
        },
        Some("replay") => {
            let trace = PathBuf::from(
                args.next()
                    .ok_or("replay needs a TRACE file and a TARGET")?,
            );
            let rest: Vec<String> = std::iter::once("certify".to_owned())
                .chain(args.cloned())
                .collect();
            match parse(&rest)? {
                Command::Certify(certify) => Ok(Command::Replay { trace, certify }),
                _ => Err("replay needs a TARGET".to_owned()),
            }
        }
        Some("export") => {
            let target = args.next().ok_or("export needs a TARGET and --run ID")?;
            let (mut run, mut output, mut rest) =
                (None, None, vec!["certify".to_owned(), target.clone()]);
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "--run" => run = Some(args.next().ok_or("--run needs a run id")?.clone()),
                    "-o" | "--output" => {
                        output = Some(PathBuf::from(args.next().ok_or("-o needs a file")?))
                    }
                    _ => rest.push(flag.clone()),
                }
            }
            let run =
                run.ok_or("export needs --run ID (the run's id, uggly_run_id in a logbook)")?;
            match parse(&rest)? {
                Command::Certify(certify) => Ok(Command::Export {
                    run,
                    output,
                    certify: Certify {
                        in_place: true,
                        ..certify
                    },
                }),
                _ => Err("export needs a TARGET".to_owned()),
            }
        }
        Some("import") => {
            let logbook = PathBuf::from(
                args.next()
                    .ok_or("import needs a LOGBOOK file and a TARGET")?,
            );
            let rest: Vec<String> = std::iter::once("certify".to_owned())
                .chain(args.cloned())
                .collect();
            match parse(&rest)? {
                Command::Certify(certify) => Ok(Command::Import {
                    logbook,
                    certify: Certify {
                        in_place: true,
                        ..certify
                    },
                }),
                _ => Err("import needs a TARGET".to_owned()),
            }
        }
        Some("certify") => {
            let mut certify = Certify {
                target: target(args.next().ok_or("certify needs a TARGET")?)?,
                only: Vec::new(),
                skip: Vec::new(),
                timeout: Duration::from_secs(30),
                revision: Revision::Chaos07,
                json: None,
                junit: None,
                markdown: None,
                revision_given: false,
                reopen: true,
                python_path: Vec::new(),
                config: "{}".to_owned(),
                strict: false,
                in_place: false,
            };
            while let Some(flag) = args.next() {
                let mut value = || args.next().cloned().ok_or(format!("{flag} needs a value"));
                match flag.as_str() {
                    "--only" => certify.only.push(value()?),
                    "--skip" => certify.skip.push(value()?),
                    "--timeout" => {
                        let v = value()?;
                        let secs: f64 = v
                            .parse()
                            .map_err(|_| format!("--timeout takes seconds, not {v:?}"))?;
                        if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
                            return Err(format!(
                                "--timeout takes seconds from 0 to {MAX_TIMEOUT_SECS} (a day), not {v}"
                            ));
                        }
                        certify.timeout = Duration::from_secs_f64(secs);
                    }
                    "--no-reopen" => certify.reopen = false,
                    "--strict" => certify.strict = true,
                    "--in-place" => certify.in_place = true,
                    "--python-path" => certify.python_path.push(value()?.into()),
                    "--config" => {
                        let v = value()?;
                        serde_json::from_str::<serde_json::Value>(&v)
                            .map_err(|e| format!("--config is not JSON: {e}"))?;
                        certify.config = v;
                    }
                    "--revision" => {
                        certify.revision_given = true;
                        certify.revision = match value()?.as_str() {
                            "seed" => Revision::Seed,
                            "chaos07" => Revision::Chaos07,
                            other => {
                                return Err(format!("--revision is seed or chaos07, not {other:?}"))
                            }
                        }
                    }
                    "--json" => certify.json = Some(value()?.into()),
                    "--junit" => certify.junit = Some(value()?.into()),
                    "--markdown" => certify.markdown = Some(value()?.into()),
                    other => return Err(format!("unknown flag {other:?}")),
                }
            }
            Ok(Command::Certify(certify))
        }
        Some(other) => Err(format!("unknown command {other:?}")),
    }
}
