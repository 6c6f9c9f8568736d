//! `harness`: the checks as tests of `cargo test`, through libtest-mimic, in a test target
//! of its own (`harness = false`): listed and filtered by check id, run in parallel by
//! `cargo test` and `cargo nextest`, a check skipped for the harbor shown as ignored.
//!
//! ```toml
//! [[test]]
//! name = "conformance"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/conformance.rs
//! fn main() -> std::process::ExitCode {
//!     conformance::harness(|| conformance::MemoryLimani::new())
//! }
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

use super::{Outcome, Suite};
use crate::limani::Limani;
use crate::toolkit::{Level, Need};

/// Runs every check against harbors from `factory` as `cargo test` tests; the exit code to
/// return from `main` (after what the tests needed is cleaned up).
pub fn harness<H: Limani + 'static>(factory: impl Fn() -> H + Send + Sync + 'static) -> ExitCode {
    harness_with(Suite::new(factory))
}

/// As [`harness`], for a configured suite (`reopen`, `revision`, `strict`, ...).
pub fn harness_with(suite: Suite) -> ExitCode {
    let arguments = Arguments::from_args();
    let trials = trials(Arc::new(suite));
    libtest_mimic::run(&arguments, trials).exit_code()
}

/// One trial per check of the suite: the check id is the test's name, its level the kind.
fn trials(suite: Arc<Suite>) -> Vec<Trial> {
    let checks = suite.checks();
    checks
        .into_iter()
        .map(|check| {
            let unmet = match check.need {
                Need::Reopen | Need::Crash if !suite.is_persistent() => true,
                Need::Crash if !suite.is_crashable() => true,
                _ => false,
            };
            let kind = match check.level {
                Level::Required => "required",
                Level::Recommended => "recommended",
            };
            let suite = suite.clone();
            Trial::test(check.id, move || {
                let result = suite.run_one(&check);
                let message = result.message.clone().unwrap_or_default();
                let counts = suite.is_strict() || result.level == Level::Required;
                match result.outcome {
                    Outcome::Passed => Ok(()),
                    Outcome::Failed if counts => Err(Failed::from(message)),
                    Outcome::Failed => {
                        // Never a silent "ok": the warning is printed with the test's name.
                        println!(
                            "warned {}: a recommended check failed\n{message}",
                            result.id
                        );
                        Ok(())
                    }
                    Outcome::Skipped => {
                        println!("skipped {}: {message}", result.id);
                        Ok(())
                    }
                }
            })
            .with_kind(kind)
            .with_ignored_flag(unmet)
        })
        .collect()
}
