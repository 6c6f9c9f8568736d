//! The command line of `limani`, parsed with clap: `--help` for each command, `--version`,
//! suggestions on typos, and one error line that says where to look.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use conformance::Revision;

pub use crate::secrets::without_passwords;
pub use crate::target::Target;
use crate::target::{target, STORES, TARGETS};

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
        /// sqlite::memory:, sqlite:PATH, postgres://URL or postgres-async://URL (default:
        /// $LIMANI_SERVE_TARGET, so that a password stays off the command line)
        #[arg(value_parser = target)]
        target: Option<Target>,
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
        /// Also write the figures to FILE as JSON
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// The time limit of each call, and of each round in a Python harbor's own process, in
        /// seconds
        #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
        timeout: Duration,
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
        json: Option<PathBuf>,
    },
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

/// The command, or clap's error (rendered by [`crate::usage_error::error_text`]).
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
        Sub::Serve { target } => match served(target) {
            Ok(t) => Command::Serve(t),
            Err(message) => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                return Err(cmd.error(clap::error::ErrorKind::InvalidValue, message));
            }
        },
        Sub::Checks { markdown, json } => Command::Checks { markdown, json },
        Sub::Bench {
            targets,
            operations,
            python_path,
            config,
            json,
            timeout,
        } => Command::Bench {
            json,
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
                        timeout,
                    })
                })
                .collect(),
            operations: operations as usize,
        },
    })
}

#[cfg(test)]
#[path = "args/tests.rs"]
mod tests;

/// What `limani serve` serves: the target given, else `$LIMANI_SERVE_TARGET`; a built-in
/// harbor on a store that outlives the command (or in memory).
fn served(given: Option<Target>) -> Result<Target, String> {
    let target = match given {
        Some(t) => t,
        None => match std::env::var("LIMANI_SERVE_TARGET") {
            Ok(text) => target(&text).map_err(|e| format!("$LIMANI_SERVE_TARGET: {e}"))?,
            Err(_) => return Err("serve takes a target, or $LIMANI_SERVE_TARGET".to_owned()),
        },
    };
    match &target {
        Target::SqliteMemory | Target::SqliteFile(_) => Ok(target),
        Target::Postgres(url) | Target::PostgresAsync(url) if url.contains("://") => Ok(target),
        _ => Err(format!(
            "serve takes a built-in harbor on a store: sqlite::memory:, sqlite:PATH, \
             postgres://URL or postgres-async://URL, not {target}"
        )),
    }
}
