//! `Suite`: which checks to run against which harbor, and how; `run_all` is its default.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::report::{CheckResult, Outcome, Report};
use super::runner::{run_check, Factory, Settings};
use crate::limani::Limani;
use crate::records::Revision;
use crate::toolkit::{Check, Level, Reopen};

/// Runs every check against `harbor`, prints the report, and panics with it if a required
/// check fails.
///
/// Every check uses the same harbor and keeps to run ids of its own. A check that hangs is
/// abandoned on its timeout while it still holds the harbor; to give each check a harbor of
/// its own, and to check durability, use [`Suite::new`] with a factory.
///
/// ```
/// conformance::run_all(conformance::MemoryLimani::new());
/// ```
pub fn run_all<H: Limani + 'static>(harbor: H) {
    let harbor = Arc::new(harbor);
    Suite::new(move || Arc::clone(&harbor))
        .name(std::any::type_name::<H>())
        .assert_conforms();
}

/// A callback after each check.
type OnResult = Arc<dyn Fn(&CheckResult) + Send + Sync>;
type LostWhen = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// A configured suite run.
pub struct Suite {
    factory: Factory,
    name: String,
    revision: Revision,
    timeout: Duration,
    only: Vec<String>,
    skip: Vec<String>,
    reopen: Option<Reopen>,
    crashable: bool,
    property: crate::property::Settings,
    reproduce: String,
    on_result: Option<OnResult>,
    lost_when: Option<LostWhen>,
    strict: bool,
    custom: Vec<Check>,
    #[cfg(feature = "tokio")]
    pub(super) tasks: Option<super::runner::AsyncParts>,
}

/// True when `id` is `pattern` or inside the group `pattern`.
fn matches(id: &str, pattern: &str) -> bool {
    id == pattern
        || id
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with("::"))
}

impl Suite {
    /// A suite over harbors made by `factory` (called once per check).
    pub fn new<H: Limani + 'static>(factory: impl Fn() -> H + Send + Sync + 'static) -> Self {
        Suite {
            factory: Arc::new(move || Box::new(factory()) as Box<dyn Limani>),
            name: std::any::type_name::<H>().to_owned(),
            revision: Revision::Chaos07,
            timeout: Duration::from_secs(30),
            only: Vec::new(),
            skip: Vec::new(),
            reopen: None,
            crashable: false,
            property: crate::property::Settings::default(),
            reproduce: "Suite::only(\"{id}\"), or under conformance::harness: cargo test -- {id}"
                .to_owned(),
            on_result: None,
            lost_when: None,
            strict: false,
            custom: Vec::new(),
            #[cfg(feature = "tokio")]
            tasks: None,
        }
    }

    /// Counts recommended checks as required: a harbor certifies only if every check passes.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The harbor's name in reports.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Which `create_run` the harbor implements (default: Ch-aOS 0.7).
    pub fn revision(mut self, revision: Revision) -> Self {
        self.revision = revision;
        self
    }

    /// The time limit of each check (default 30 s); an async harbor's calls get a third of it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        #[cfg(feature = "tokio")]
        if let Some(tasks) = &self.tasks {
            tasks.set_call_timeout(timeout / 3);
        }
        self
    }

    /// Runs only this check or group (may be given more than once).
    pub fn only(mut self, id_or_group: impl Into<String>) -> Self {
        self.only.push(id_or_group.into());
        self
    }

    /// Leaves out this check or group.
    pub fn skip(mut self, id_or_group: impl Into<String>) -> Self {
        self.skip.push(id_or_group.into());
        self
    }

    /// Declares the harbor persistent: `reopen` opens the factory's store anew.
    pub fn reopen<H: Limani + 'static>(
        mut self,
        reopen: impl Fn() -> H + Send + Sync + 'static,
    ) -> Self {
        self.reopen = Some(Arc::new(move || Box::new(reopen()) as Box<dyn Limani>));
        self
    }

    /// Declares that `crash()` kills the harbor as SIGKILL would (process harbors), so that
    /// durability is also checked across crashes. Needs `reopen`.
    pub fn crashable(mut self) -> Self {
        self.crashable = true;
        self
    }

    /// Sessions per property check (default 128, or `LIMANI_CASES`).
    pub fn cases(mut self, cases: u32) -> Self {
        self.property.cases = cases;
        self
    }

    /// The seed of the property part (default: `LIMANI_SEED`, else from the clock).
    pub fn seed(mut self, seed: u64) -> Self {
        self.property.seed = seed;
        self
    }

    /// Where proptest keeps failing seeds, to replay them first next time.
    pub fn regressions(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.property.regressions = Some(path.into());
        self
    }

    /// How a failure message says to run one check again; `{id}` is replaced by the check's id.
    pub fn reproduce_with(mut self, hint: impl Into<String>) -> Self {
        self.reproduce = hint.into();
        self
    }

    /// Called after each check, for progress displays.
    /// How to tell that a server the kit started for the harbor (a container, a local cluster)
    /// is gone, and what happened to it: asked after a check fails. From then on the failures
    /// are the lost server's, not the harbor's: the failing check is said to be lost with it,
    /// the checks after it do not run, and the verdict is `incomplete`.
    pub fn lost_when(mut self, f: impl Fn() -> Option<String> + Send + Sync + 'static) -> Self {
        self.lost_when = Some(Arc::new(f));
        self
    }

    pub fn on_result(mut self, f: impl Fn(&CheckResult) + Send + Sync + 'static) -> Self {
        self.on_result = Some(Arc::new(f));
        self
    }

    /// A harbor from the factory, outside any check (for replays); a panic becomes its message.
    pub fn make_harbor(&self) -> std::result::Result<Box<dyn Limani>, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.factory)()))
            .map_err(|p| crate::toolkit::probe::panic_text(p.as_ref()))
    }

    /// True when the suite can reopen the store (`reopen`).
    pub fn is_persistent(&self) -> bool {
        self.reopen.is_some()
    }

    /// True when the harbor was declared crashable.
    pub fn is_crashable(&self) -> bool {
        self.crashable
    }

    /// True when recommended checks count as required.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Runs one check of this suite (for a test harness).
    pub fn run_one(&self, check: &Check) -> CheckResult {
        run_check(check, &self.factory, &self.settings())
    }

    /// The `create_run` revision the suite drives.
    pub fn driven_revision(&self) -> Revision {
        self.revision
    }

    /// Adds a check of the harbor's own (see [`Check::custom`]), run after the kit's.
    pub fn with_check(mut self, check: Check) -> Self {
        self.custom.push(check);
        self
    }

    /// Every check of this suite: the kit's, the async ones for an async harbor, the harbor's own.
    fn every_check(&self) -> Vec<Check> {
        #[cfg(feature = "tokio")]
        let async_checks = match self.tasks {
            Some(_) => crate::checks::tasks::checks(),
            None => Vec::new(),
        };
        #[cfg(not(feature = "tokio"))]
        let async_checks = Vec::new();
        (crate::checks::all().into_iter())
            .chain(async_checks)
            .chain(self.custom.iter().copied())
            .collect()
    }

    /// The checks this suite will run, in order.
    pub fn checks(&self) -> Vec<Check> {
        (self.every_check().into_iter())
            .filter(|c| self.only.is_empty() || self.only.iter().any(|p| matches(c.id, p)))
            .filter(|c| !self.skip.iter().any(|p| matches(c.id, p)))
            .collect()
    }

    fn settings(&self) -> Settings {
        Settings {
            revision: self.revision,
            timeout: self.timeout,
            reopen: self.reopen.clone(),
            crashable: self.crashable,
            property: self.property.clone(),
            reproduce: self.reproduce.clone(),
            #[cfg(feature = "tokio")]
            tasks: self
                .tasks
                .as_ref()
                .map(|t| (t.factory.clone(), t.call_timeout())),
        }
    }

    /// Runs the selected checks and reports all of them.
    pub fn run(&self) -> Report {
        let started = Instant::now();
        let settings = self.settings();
        let checks = self.checks();
        let mut lost: Option<String> = None;
        let results = (checks.iter())
            .map(|check| {
                let mut result = match &lost {
                    Some(event) => CheckResult::new(
                        check,
                        Outcome::Skipped,
                        Duration::ZERO,
                        Some(format!("not run: {event}")),
                    ),
                    None => run_check(check, &self.factory, &settings),
                };
                let gone = (result.outcome == Outcome::Failed && lost.is_none())
                    .then(|| self.lost_when.as_ref().and_then(|f| f()))
                    .flatten();
                if let Some(event) = gone {
                    result = result.lost_with_server(&event);
                    lost = Some(event);
                }
                if let Some(f) = &self.on_result {
                    f(&result);
                }
                result
            })
            .collect();
        // What counts for the certification and was left out by `only` or `skip`.
        let ran: Vec<&str> = checks.iter().map(|c| c.id).collect();
        let counts = |c: &Check| self.strict || c.level == Level::Required;
        let not_run = (self.every_check().into_iter())
            .filter(|c| counts(c) && !ran.contains(&c.id))
            .map(|c| c.id.to_owned())
            .collect();
        let mut report = Report::new(&self.name, results, started.elapsed(), self.strict, not_run);
        report.server_lost = lost;
        report
    }

    /// Runs, prints the report, and panics with it if a required check failed.
    pub fn assert_conforms(&self) {
        let report = self.run();
        if !report.passed() {
            // What failed first: the table of every check would push it off the screen.
            let head = format!("limani conformance: {}", report.harbor);
            panic!("{head}\n{}", report.to_text_after_progress());
        }
        println!("{}", report.to_text());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;
    use crate::suite::report::{Verdict, SERVER_LOST};
    use crate::MemoryLimani;

    /// A server lost mid-run is no defect of the harbor: the failure it caused is said to be
    /// the lost server's, once; what follows does not run; the verdict is incomplete.
    #[test]
    fn a_lost_server_makes_the_run_incomplete() {
        let alive = Arc::new(AtomicBool::new(true));
        let (gone, opened) = (alive.clone(), Arc::new(AtomicUsize::new(0)));
        let report = Suite::new(move || {
            if opened.fetch_add(1, Ordering::SeqCst) >= 3 {
                gone.store(false, Ordering::SeqCst);
                panic!("connection refused: the server closed the connection");
            }
            MemoryLimani::new()
        })
        .only("lifecycle")
        .lost_when(move || {
            (!alive.load(Ordering::SeqCst)).then(|| "the test's server stopped".to_owned())
        })
        .run();
        let lost: Vec<&CheckResult> = (report.results.iter())
            .filter(|r| r.cause.as_deref() == Some(SERVER_LOST))
            .collect();
        let seen: Vec<String> = (report.results.iter())
            .map(|r| format!("{} {:?} {:?} {:?}", r.id, r.outcome, r.cause, r.message))
            .collect();
        assert_eq!(lost.len(), 1, "{seen:#?}");
        assert!(report.results[..3]
            .iter()
            .all(|r| r.outcome == Outcome::Passed));
        assert!(report.results[4..]
            .iter()
            .all(|r| r.outcome == Outcome::Skipped));
        assert_eq!(
            (report.passed(), report.verdict()),
            (true, Verdict::Incomplete)
        );
        let text = report.to_text_after_progress();
        assert_eq!(
            text.matches("the test's server stopped").count(),
            2,
            "{text}"
        );
        assert!(report.verdict_line().contains("lost during"), "{text}");
        assert!(report
            .to_json()
            .contains("\"server_lost\": \"the test's server stopped\""));
    }
}
