//! The command line of `limani`, parsed with clap: `--help` for each command, `--version`,
//! suggestions on typos, and one error line that says where to look.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use conformance::Revision;

const STORES: &str = "\
STORES:
  sqlite:PATH              a SQLite logbook in Ch-rima's schema (a ch-rima.db), used in place; export
                           lists its hosts as Ch-rima reads them, by name
  postgres://URL           the reference PostgreSQL harbor's store on that server
  python:MODULE:CLASS      a Python harbor class, built as Class(config) (--python-path, --config)
  entry-point:NAME         a Python harbor registered in the entry-point group chaos.limanis
  exec:COMMAND             any program that speaks docs/bridge-protocol.md on stdin/stdout
  (also memory:, sqlite::memory:, postgres:local, postgres:docker: stores that end with the command)

EXIT STATUS:
  0  done
  1  the harbor failed a call, or (export) has no such run
  2  usage error, a file that is not a logbook, or (import) a run already in the store:
     nothing is written
  3  the harbor could not be started";

const TARGETS: &str = "\
TARGETS:
  reference:               the reference SQLite harbor on a private temporary file, served by this
                           program in a child process: every check runs, durability and crashes too
  memory:                  the model itself (the contract as an in-memory harbor)
  sqlite::memory:          the reference SQLite harbor, in memory
  sqlite:PATH              the reference SQLite harbor on a file (durability checked by reopening it);
                           an existing database is certified on a private copy (--in-place: the
                           file itself, if it is a Ch-rima logbook; the kit's runs removed after)
  postgres://URL           the reference PostgreSQL harbor on that server (a fresh schema, dropped after)
  postgres:docker          ... on a new container through testcontainers ($LIMANI_POSTGRES_IMAGE;
                           default: the image ci/postgres-image.sh builds, else postgres:16-alpine)
  postgres:local           ... on a throwaway local cluster (initdb/pg_ctl)
  postgres-async://URL     the async reference PostgreSQL harbor (tokio-postgres, deadpool);
                           also postgres-async:docker, postgres-async:local
  python:MODULE:CLASS      a Python harbor class, built as Class(config) (--python-path, --config)
  entry-point:NAME         a Python harbor registered in the entry-point group chaos.limanis
  exec:COMMAND             any program that speaks docs/bridge-protocol.md on stdin/stdout

A process harbor is restarted for each check and reopened by starting it again (--no-reopen:
it is not persistent, durability is not checked). $LIMANI_PYTHON picks the Python.

EXIT STATUS:
  0  certified: every required check that ran passed
  1  a required check failed (or a replay diverged)
  2  usage error, or a file that is not a trace or a logbook (nothing is written)
  3  the harbor could not be started (import error, constructor, command not found, locked store),
     or the server the kit started for it (postgres:docker, postgres:local) was lost mid-run
  130 interrupted (Ctrl-C, SIGTERM): what the run started is removed first";

/// The longest `--timeout` (a day): anything longer is a typo, and too long for a `Duration`.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

#[derive(Parser)]
#[command(
    name = "limani",
    version,
    about = "Certify Limani harbors against the contract of the Ch-aOS Logbook",
    after_help = TARGETS
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand)]
enum Sub {
    /// Run every check of the contract against a harbor
    #[command(after_help = TARGETS)]
    Certify(CertifyArgs),
    /// Replay a kit trace, a recording of the real Logbook, or a v1 logbook's import, beside the model
    #[command(after_help = TARGETS)]
    Replay {
        /// A property trace, fixtures/recorded/*.trace.jsonl, or a v1 logbook
        file: PathBuf,
        #[command(flatten)]
        harbor: HarborArgs,
        #[command(flatten)]
        checks: CheckArgs,
    },
    /// Write a stored run as the v1 logbook Ch-aOS 0.7 exports
    #[command(after_help = STORES)]
    Export {
        #[command(flatten)]
        harbor: HarborArgs,
        /// The run's id (`uggly_run_id` in a logbook)
        #[arg(long, value_name = "ID")]
        run: String,
        /// Where to write it (default: standard output)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a v1 logbook's run into the target's store; prints its run id last
    #[command(after_help = STORES)]
    Import {
        /// The logbook (chaos_logbook_*.json)
        logbook: PathBuf,
        #[command(flatten)]
        harbor: HarborArgs,
        /// Give the run a fresh id (a run of the logbook's id is already in the store), every
        /// cross-reference kept
        #[arg(long)]
        new_run_id: bool,
    },
    /// Serve a built-in harbor over the bridge protocol on stdin/stdout
    Serve {
        /// sqlite::memory: or sqlite:PATH
        #[arg(value_parser = target)]
        target: Target,
    },
    /// Run the Logbook's workload against each target, interleaved: operations/s, p50/p99 per method
    #[command(after_help = TARGETS)]
    Bench {
        /// The harbors to compare (the first is the baseline of the ratios)
        #[arg(value_parser = target, required = true)]
        targets: Vec<Target>,
        /// Logbook operations per target
        #[arg(long, value_name = "N", default_value = "2000", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        operations: u32,
        /// A folder to import Python harbors from (may be given more than once)
        #[arg(long = "python-path", value_name = "DIR")]
        python_path: Vec<PathBuf>,
        /// The config dict Python harbors are built with, as JSON
        #[arg(long, value_name = "JSON", default_value = "{}", value_parser = json_config)]
        config: String,
    },
    /// List every check with its level and clause
    Checks {
        /// As the Markdown table of docs/contract.md
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// As JSON: a list of {id, group, level, clause, why} (the pytest plugin reads it)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct HarborArgs {
    /// The harbor (see TARGETS below)
    #[arg(value_parser = target)]
    target: Target,
    /// A folder to import the Python harbor from (may be given more than once)
    #[arg(long = "python-path", value_name = "DIR")]
    python_path: Vec<PathBuf>,
    /// The config dict the Python harbor is built with, as JSON
    #[arg(long, value_name = "JSON", default_value = "{}", value_parser = json_config)]
    config: String,
    /// Which create_run the harbor has (default: read from the harbor)
    #[arg(long, value_parser = revision)]
    revision: Option<Revision>,
}

/// What only a run of checks or calls takes (certify, replay).
#[derive(Args)]
struct CheckArgs {
    /// The harbor is not persistent: durability is not checked
    #[arg(long)]
    no_reopen: bool,
    /// Certify an existing SQLite file itself, not a private copy
    #[arg(long)]
    in_place: bool,
    /// The time limit of each check, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    timeout: Duration,
}

#[derive(Args)]
struct CertifyArgs {
    #[command(flatten)]
    harbor: HarborArgs,
    #[command(flatten)]
    checks: CheckArgs,
    /// Run only this check or group (timespan::half_open, timespan); may be repeated
    #[arg(long, value_name = "ID")]
    only: Vec<String>,
    /// Leave out this check or group; may be repeated
    #[arg(long, value_name = "ID")]
    skip: Vec<String>,
    /// Count recommended checks as required: every check must pass
    #[arg(long)]
    strict: bool,
    /// Write the report as JSON (docs/report-format.md)
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as JUnit XML
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the report as Markdown, with a certificate line for a README
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write each check that did not pass to FOLDER/GROUP__CHECK.txt, its message whole
    #[arg(long, value_name = "FOLDER")]
    log_dir: Option<PathBuf>,
    /// Sessions per property check (default 128, or $LIMANI_CASES)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    cases: Option<u32>,
    /// The seed of the property part (default: $LIMANI_SEED, else from the clock)
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Show whole diagnoses (a harbor's traceback when it does not start)
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Clone)]
pub enum Target {
    /// The reference harbor on a private temporary file, in a child process (`limani serve`).
    Reference,
    Memory,
    SqliteMemory,
    SqliteFile(PathBuf),
    /// A PostgreSQL URL, `docker` or `local` (a fresh schema is used and dropped).
    Postgres(String),
    /// The async reference PostgreSQL harbor (tokio-postgres, a deadpool pool): as `Postgres`.
    PostgresAsync(String),
    Python(String),
    EntryPoint(String),
    Exec(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Reference => f.write_str("reference:"),
            Target::Memory => f.write_str("memory:"),
            Target::SqliteMemory => f.write_str("sqlite::memory:"),
            Target::SqliteFile(p) => write!(f, "sqlite:{}", p.display()),
            Target::Postgres(which) if which.starts_with("postgres") => {
                f.write_str(&without_passwords(which))
            }
            Target::Postgres(which) => write!(f, "postgres:{which}"),
            Target::PostgresAsync(which) => match which.strip_prefix("postgres:") {
                Some(url) => f.write_str(&without_passwords(&format!("postgres-async:{url}"))),
                None => write!(f, "postgres-async:{which}"),
            },
            Target::Python(class) => write!(f, "python:{class}"),
            Target::EntryPoint(name) => write!(f, "entry-point:{name}"),
            Target::Exec(command) => write!(f, "exec:{command}"),
        }
    }
}

/// What `certify`, `replay`, `export` and `import` are given.
#[derive(Clone)]
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
    /// import and export: the target's own store, kept (a PostgreSQL URL: its logbook schema).
    pub on_store: bool,
    pub cases: Option<u32>,
    pub seed: Option<u64>,
    pub verbose: bool,
    pub log_dir: Option<PathBuf>,
}

pub enum Command {
    Certify(Certify),
    Checks {
        markdown: bool,
        json: bool,
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
        /// `--new-run-id`: the run gets a fresh id.
        new_run_id: bool,
        certify: Certify,
    },
    /// `bench TARGET...`: the Logbook's workload on each.
    Bench {
        targets: Vec<Certify>,
        operations: usize,
    },
}

fn target(text: &str) -> Result<Target, String> {
    let unknown = || format!("unknown target {text:?} (see TARGETS in --help)");
    match text {
        "memory:" => return Ok(Target::Memory),
        "reference:" => return Ok(Target::Reference),
        _ => {}
    }
    let (kind, rest) = text.split_once(':').ok_or_else(unknown)?;
    match (kind, rest) {
        ("sqlite", ":memory:") => Ok(Target::SqliteMemory),
        ("sqlite", "") => Err("sqlite: needs a path, or :memory:".to_owned()),
        ("sqlite", path) => Ok(Target::SqliteFile(PathBuf::from(path))),
        ("postgres" | "postgresql", "docker" | "local") => Ok(Target::Postgres(rest.to_owned())),
        ("postgres" | "postgresql", url) if url.starts_with("//") => {
            Ok(Target::Postgres(text.to_owned()))
        }
        ("postgres-async", "docker" | "local") => Ok(Target::PostgresAsync(rest.to_owned())),
        ("postgres-async", url) if url.starts_with("//") => {
            Ok(Target::PostgresAsync(format!("postgres:{url}")))
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

fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("takes seconds, not {text:?}"))?;
    match secs > 0.0 && secs <= MAX_TIMEOUT_SECS {
        true => Ok(Duration::from_secs_f64(secs)),
        false => Err(format!(
            "takes seconds from 0 to {MAX_TIMEOUT_SECS} (a day), not {text}"
        )),
    }
}

fn json_config(text: &str) -> Result<String, String> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|_| text.to_owned())
        .map_err(|e| format!("is not JSON: {e}"))
}

fn revision(text: &str) -> Result<Revision, String> {
    match text {
        "seed" => Ok(Revision::Seed),
        "chaos07" => Ok(Revision::Chaos07),
        other => Err(format!("is seed or chaos07, not {other:?}")),
    }
}

impl HarborArgs {
    /// A command on a store, not a run of checks: the store itself (a SQLite file in place).
    fn on_store(self) -> Certify {
        Certify {
            on_store: true,
            ..self.certify(CheckArgs {
                no_reopen: false,
                in_place: true,
                timeout: Duration::from_secs(30),
            })
        }
    }

    fn certify(self, checks: CheckArgs) -> Certify {
        Certify {
            target: self.target,
            only: Vec::new(),
            skip: Vec::new(),
            timeout: checks.timeout,
            revision: self.revision.unwrap_or(Revision::Chaos07),
            json: None,
            junit: None,
            markdown: None,
            revision_given: self.revision.is_some(),
            reopen: !checks.no_reopen,
            python_path: self.python_path,
            config: self.config,
            strict: false,
            in_place: checks.in_place,
            on_store: false,
            cases: None,
            seed: None,
            verbose: false,
            log_dir: None,
        }
    }
}

/// The command, or clap's error (rendered by [`error_text`]).
pub fn parse(argv: &[String]) -> Result<Command, clap::Error> {
    let cli =
        Cli::try_parse_from(std::iter::once("limani".to_owned()).chain(argv.iter().cloned()))?;
    Ok(match cli.command {
        Sub::Certify(a) => Command::Certify(Certify {
            only: a.only,
            skip: a.skip,
            json: a.json,
            junit: a.junit,
            markdown: a.markdown,
            strict: a.strict,
            cases: a.cases,
            seed: a.seed,
            verbose: a.verbose,
            log_dir: a.log_dir,
            ..a.harbor.certify(a.checks)
        }),
        Sub::Replay {
            file,
            harbor,
            checks,
        } => Command::Replay {
            trace: file,
            certify: harbor.certify(checks),
        },
        Sub::Export {
            harbor,
            run,
            output,
        } => Command::Export {
            run,
            output,
            certify: harbor.on_store(),
        },
        Sub::Import {
            logbook,
            harbor,
            new_run_id,
        } => Command::Import {
            logbook,
            new_run_id,
            certify: harbor.on_store(),
        },
        Sub::Serve { target } => match target {
            t @ (Target::SqliteMemory | Target::SqliteFile(_)) => Command::Serve(t),
            _ => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                return Err(cmd.error(
                    clap::error::ErrorKind::InvalidValue,
                    "serve takes a built-in harbor: sqlite::memory: or sqlite:PATH",
                ));
            }
        },
        Sub::Checks { markdown, json } => Command::Checks { markdown, json },
        Sub::Bench {
            targets,
            operations,
            python_path,
            config,
        } => Command::Bench {
            targets: (targets.into_iter())
                .map(|target| {
                    let harbor = HarborArgs {
                        target,
                        python_path: python_path.clone(),
                        config: config.clone(),
                        revision: None,
                    };
                    harbor.certify(CheckArgs {
                        no_reopen: true,
                        in_place: false,
                        timeout: Duration::from_secs(30),
                    })
                })
                .collect(),
            operations: operations as usize,
        },
    })
}

/// Clap's error as one line (and its tip, if it has one), then where to look.
pub fn error_text(error: &clap::Error, argv: &[String]) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered
        .lines()
        .filter(|l| l.starts_with("error:") || l.trim_start().starts_with("tip:"));
    let first = lines
        .next()
        .unwrap_or("error: bad arguments")
        .trim_start_matches("error: ");
    let tips: Vec<&str> = lines.map(str::trim).collect();
    let sub = argv.first().filter(|s| {
        [
            "certify", "replay", "export", "import", "serve", "checks", "bench",
        ]
        .contains(&s.as_str())
    });
    let help = match sub {
        Some(sub) => format!("limani {sub} --help"),
        None => "limani --help".to_owned(),
    };
    let mut out = format!("limani: {first}");
    for tip in tips {
        out += &format!("\n  {tip}");
    }
    out + &format!("\nsee `{help}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn a_typo_gets_a_suggestion_and_one_line() {
        let args = argv(&["certfy", "sqlite::memory:"]);
        let text = error_text(&parse(&args).err().unwrap(), &args);
        assert!(
            text.contains("'certify'") && text.ends_with("see `limani --help`"),
            "{text}"
        );
        assert!(text.lines().count() <= 3, "{text}");
    }

    #[test]
    fn flags_take_an_equals_sign() {
        let Ok(Command::Certify(c)) =
            parse(&argv(&["certify", "memory:", "--timeout=5", "--cases=3"]))
        else {
            panic!("not parsed");
        };
        assert_eq!((c.timeout, c.cases), (Duration::from_secs(5), Some(3)));
    }

    #[test]
    fn bad_values_are_named() {
        for (args, said) in [
            (
                vec!["certify", "sqlite::memory:", "--timeout", "0"],
                "from 0 to",
            ),
            (
                vec!["certify", "sqlite::memory:", "--cases", "0"],
                "--cases",
            ),
            (vec!["certify", "nope"], "unknown target"),
            (
                vec!["certify", "sqlite::memory:", "--config", "{"],
                "not JSON",
            ),
            (vec!["serve", "memory:"], "built-in harbor"),
        ] {
            let args = argv(&args);
            let text = error_text(&parse(&args).err().unwrap(), &args);
            assert!(text.contains(said), "{args:?}: {text}");
        }
    }
}

/// `text` with the password of every URL in it (`scheme://user:password@host`) shown as `***`:
/// what a report, a certificate or a reproduce line says never carries a secret.
pub fn without_passwords(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(['/', '?', '#', ' ', '"', '\''])
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon + 1]);
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod password_tests {
    #[test]
    fn passwords_are_left_out() {
        let cases = [
            (
                "postgres://me:s3cret@db:5432/x",
                "postgres://me:***@db:5432/x",
            ),
            ("postgres://me@db/x", "postgres://me@db/x"),
            (
                "{\"dsn\": \"postgresql://a:b@h/d\"} and http://h:80/p",
                "{\"dsn\": \"postgresql://a:***@h/d\"} and http://h:80/p",
            ),
        ];
        for (given, shown) in cases {
            assert_eq!(super::without_passwords(given), shown);
        }
    }

    /// A target as reports, reproduce lines and bench output name it.
    #[test]
    fn targets_are_named_without_their_password() {
        for (given, shown) in [
            ("postgres://me:s3cret@db/x", "postgres://me:***@db/x"),
            (
                "postgres-async://me:s3cret@db/x",
                "postgres-async://me:***@db/x",
            ),
        ] {
            assert_eq!(super::target(given).unwrap().to_string(), shown);
        }
    }
}
