//! The targets a command takes (`sqlite:PATH`, `postgres:local`, `python:MODULE:CLASS`, ...):
//! what each names, how it is written, and the help text that lists them.

use std::path::PathBuf;

use crate::secrets::without_passwords;

pub const STORES: &str = "\
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

pub const TARGETS: &str = "\
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

pub fn target(text: &str) -> Result<Target, String> {
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
