//! The command line of `limani`, parsed by hand: a few flags, clear errors.

use std::path::PathBuf;
use std::time::Duration;

use conformance::Revision;

pub const USAGE: &str = "usage:
  limani certify TARGET [--only ID]... [--skip ID]... [--timeout SECONDS]
                        [--revision seed|chaos07] [--json FILE] [--junit FILE] [--markdown FILE]
  limani checks [--markdown]     list every check with its level and clause
  limani help

targets:
  sqlite::memory:   the reference SQLite harbor, in memory
  sqlite:PATH       the reference SQLite harbor on a file (durability checked by reopening it)

ID is a check (timespan::half_open) or a group (timespan).
exit status: 0 every required check passed, 1 a required check failed, 2 usage error";

pub enum Target {
    SqliteMemory,
    SqliteFile(PathBuf),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::SqliteMemory => f.write_str("sqlite::memory:"),
            Target::SqliteFile(path) => write!(f, "sqlite:{}", path.display()),
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
}

pub enum Command {
    Certify(Certify),
    Checks { markdown: bool },
    Help,
}

fn target(text: &str) -> Result<Target, String> {
    match text.strip_prefix("sqlite:") {
        Some(":memory:") => Ok(Target::SqliteMemory),
        Some("") => Err("sqlite: needs a path, or :memory:".to_owned()),
        Some(path) => Ok(Target::SqliteFile(PathBuf::from(path))),
        None => Err(format!(
            "unknown target {text:?}: use sqlite::memory: or sqlite:PATH"
        )),
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
                        if !(secs > 0.0 && secs.is_finite()) {
                            return Err(format!("--timeout must be positive, not {v}"));
                        }
                        certify.timeout = Duration::from_secs_f64(secs);
                    }
                    "--revision" => {
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
