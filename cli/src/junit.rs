//! The report as JUnit XML (quick-junit): a testsuite per group for the checks that count, and
//! one per group for the recommended ones, so that a CI shows a recommended failure as a
//! failure of its own suite (never as a skip) and can choose whether it fails the build.

use std::time::Duration;

use conformance::suite::{Outcome, Report};
use conformance::Level;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

pub fn to_junit(report: &Report) -> String {
    let mut junit = quick_junit::Report::new(format!("limani conformance: {}", report.harbor));
    junit.set_time(Duration::from_secs_f64(report.duration_ms / 1e3));
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for r in &report.results {
        let counts = report.strict || r.level == Level::Required;
        let name = match counts {
            true => r.group.clone(),
            false => format!("{} (recommended)", r.group),
        };
        let mut status = match r.outcome {
            Outcome::Passed => TestCaseStatus::success(),
            Outcome::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Outcome::Skipped => TestCaseStatus::skipped(),
        };
        if r.outcome != Outcome::Passed {
            // A failure is its cause's root, or follows from it (one cause, one message to read).
            let message = match (&r.cause, r.rule) {
                (Some(root), _) if *root != r.id => {
                    format!("{}: follows from {root}: {}", report.status(r), r.clause)
                }
                (_, Some(rule)) => format!(
                    "{}: {} (rule {rule}: {})",
                    report.status(r),
                    r.clause,
                    r.said
                ),
                _ => format!("{}: {}", report.status(r), r.clause),
            };
            status.set_message(message);
            status.set_description(r.message.clone().unwrap_or_default());
        }
        let mut case = TestCase::new(r.id.clone(), status);
        case.set_classname(name.clone());
        case.set_time(Duration::from_secs_f64(r.duration_ms / 1e3));
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, suite)) => {
                suite.add_test_case(case);
            }
            None => {
                let mut suite = TestSuite::new(name.clone());
                suite.add_test_case(case);
                suites.push((name, suite));
            }
        };
    }
    junit.add_test_suites(suites.into_iter().map(|(_, suite)| suite));
    junit.to_string().unwrap_or_default()
}
