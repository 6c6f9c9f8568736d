use super::*;

#[test]
fn one_cause_is_said_once() {
    let checks = crate::suite::all_checks();
    let failed = |i: usize, run: &str| {
        let message =
            format!("clause:  x\nfailure: init_db failed for \"{run}\": the store is torn\n");
        CheckResult::new(&checks[i], Outcome::Failed, Duration::ZERO, Some(message))
    };
    let skipped = |i: usize| {
        CheckResult::new(
            &checks[i],
            Outcome::Skipped,
            Duration::ZERO,
            Some("no reopen".into()),
        )
    };
    let results = vec![
        failed(0, "kit-a-1"),
        failed(1, "kit-b-2"),
        skipped(2),
        skipped(3),
    ];
    let text =
        Report::new("h", results, Duration::ZERO, false, Vec::new()).to_text_after_progress();
    // Said once in its cause's block, once in the short summary.
    assert_eq!(text.matches("the store is torn").count(), 2, "{text}");
    assert!(text.contains("follows from it: 1 check: "), "{text}");
    // Skipped for one reason: one entry, the reason once.
    assert_eq!(text.matches("--- skipped").count(), 1, "{text}");
    assert_eq!(text.matches("no reopen").count(), 1, "{text}");
    assert!(text.contains(&format!("{} (", checks[3].id)), "{text}");
}

/// One cause in different words is one defect; past the first two defects, a failure is
/// shown by its headline only.
#[test]
fn one_defect_by_its_cause_and_later_defects_brief() {
    let checks = crate::suite::all_checks();
    let failed = |i: usize, what: &str, cause: &str| {
        let cause = match cause {
            "" => String::new(),
            c => format!("cause:   {c}\n"),
        };
        let message = format!(
            "clause:  x\nfailure: {what}\n{cause}diff (- what the contract expects, + what the harbor gave):\n- 1\n+ 2{what}\ncalls that led here (last 1 of 1):\n  #1 [check thread] init_db() -> Ok(())\nreproduce: limani certify --only {i}"
        );
        CheckResult::new(&checks[i], Outcome::Failed, Duration::ZERO, Some(message))
    };
    let results = vec![
        failed(0, "a", "a row at end_time"),
        failed(1, "b", "a row at end_time"),
        failed(2, "c", ""),
        failed(3, "d", ""),
        failed(4, "e", ""),
    ];
    let text =
        Report::new("h", results, Duration::ZERO, false, Vec::new()).to_text_after_progress();
    assert!(text.contains("follows from it: 1 check: "), "{text}");
    assert_eq!(text.matches("last calls (1 of 1)").count(), 2, "{text}");
    // A recommended failure beside required ones: one line, no reproduce.
    assert_eq!(text.matches("reproduce: ").count(), 3, "{text}");
    assert!(
        text.contains("\n--- warned lifecycle::duplicate_run_rejected (Recommended): d\n"),
        "{text}"
    );
    assert!(
        text.contains("short summary: 4 causes of 5 failed checks"),
        "{text}"
    );
    assert!(text.contains(" - a row at end_time (+1 follow)"), "{text}");
}

#[test]
fn certified_only_when_every_required_check_ran_and_passed() {
    let checks = crate::suite::all_checks();
    let result = |i: usize, outcome| CheckResult::new(&checks[i], outcome, Duration::ZERO, None);
    let report = |results, not_run: &[&str]| {
        let not_run = not_run.iter().map(|s| (*s).to_owned()).collect();
        Report::new("h", results, Duration::ZERO, false, not_run)
    };
    assert_eq!(
        report(vec![result(0, Outcome::Passed)], &[]).verdict(),
        Verdict::Certified
    );
    assert_eq!(
        report(vec![result(0, Outcome::Passed)], &["hosts::idempotent"]).verdict(),
        Verdict::Incomplete
    );
    assert_eq!(
        report(vec![result(0, Outcome::Skipped)], &[]).verdict(),
        Verdict::Incomplete
    );
    assert_eq!(
        report(vec![result(0, Outcome::Failed)], &[]).verdict(),
        Verdict::Failed
    );
    let incomplete = report(vec![result(0, Outcome::Skipped)], &[]);
    assert!(incomplete
        .verdict_line()
        .starts_with("incomplete: 1 required checks did not run"));
    assert!(
        !incomplete.to_text().contains("certified:"),
        "{}",
        incomplete.to_text()
    );
    let json = incomplete.to_json();
    assert!(
        json.starts_with("{\n  \"verdict\": \"incomplete\",\n  \"kit\": \"limani-kit "),
        "{json}"
    );
}
use crate::toolkit::Level;

fn report_with(message: &str) -> Report {
    let check = crate::suite::all_checks()[0];
    let result = CheckResult::new(
        &check,
        Outcome::Failed,
        Duration::ZERO,
        Some(message.into()),
    );
    assert_eq!(result.level, Level::Required);
    Report::new(
        "harbor\u{1b}[2J",
        vec![result],
        Duration::ZERO,
        false,
        Vec::new(),
    )
}

#[test]
fn harbor_text_cannot_drive_the_terminal() {
    let report = report_with("boom \u{1b}]0;pwned\u{7} \u{1b}[31mred\r");
    for text in [report.to_text(), report.to_markdown(), report.to_json()] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text}"
        );
    }
    assert!(report.to_text().contains("boom \\u{1b}]0;pwned\\u{7}"));
}

#[test]
fn a_huge_harbor_value_makes_no_huge_report() {
    let huge = format!("diff:\n- \"{}\"\n", "é".repeat(50 << 20));
    let report = report_with(&huge);
    let text = report.to_text();
    assert!(text.len() < 2 << 20, "{} bytes", text.len());
    assert!(text.contains("bytes cut]…"), "the cut is said");
    let many_lines = "a line of a diff\n".repeat(200_000);
    let text = report_with(&many_lines).to_text();
    assert!(text.len() < 2 << 20 && text.contains("…[message cut at 1 MiB"));
}

#[test]
fn harbor_text_cannot_close_the_markdown_fence() {
    let markdown = report_with("a ``` fence ```` and more").to_markdown();
    let fence = "`````";
    assert!(
        markdown.contains(&format!("{fence}text\na ``` fence ```` and more\n{fence}")),
        "{markdown}"
    );
}
