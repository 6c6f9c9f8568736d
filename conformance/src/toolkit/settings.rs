//! How the property part runs: its budget of sessions, its seed, where failing seeds are kept.
//! A check is given these in its `Ctx`; the property part runs with them.

use std::path::PathBuf;

/// How the property part runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Sessions per property (`LIMANI_CASES` overrides the default).
    pub cases: u32,
    /// The seed of the generator (`LIMANI_SEED`; default: from the clock, shown on failure).
    pub seed: u64,
    /// Where proptest keeps the seeds of failures, replayed first next time.
    pub regressions: Option<PathBuf>,
}

/// Sessions per property by default: keeps `run_all` on SQLite well under 10 s.
pub const DEFAULT_CASES: u32 = 128;

impl Default for Settings {
    /// The defaults, with `LIMANI_CASES` and `LIMANI_SEED` applied; panics with a clear message
    /// when one of them is set but is not a number (see [`Settings::from_env`]).
    fn default() -> Self {
        Self::from_env().unwrap_or_else(|message| panic!("{message}"))
    }
}

impl Settings {
    /// The defaults, with `LIMANI_CASES` (1 to 2^32 - 1) and `LIMANI_SEED` (a u64) applied;
    /// an error names a variable that is set but malformed.
    pub fn from_env() -> Result<Self, String> {
        let env = |name: &str| match std::env::var(name) {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{name} must be a whole number, not {text:?}")),
            Err(_) => Ok(None),
        };
        let cases = match env("LIMANI_CASES")? {
            None => DEFAULT_CASES,
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("LIMANI_CASES must be from 1 to {}, not {n}", u32::MAX))?,
        };
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Ok(Settings {
            cases,
            seed: env("LIMANI_SEED")?.unwrap_or(clock),
            regressions: None,
        })
    }
}
