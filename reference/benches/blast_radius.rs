//! How many checks each defect of the zoo fails, and in how many causes the report says it:
//! one defect should be one cause (one root), whose rule is the one the zoo planted.
//! `cargo bench -p reference --bench blast_radius` prints a line per defect (required
//! failures, causes, the roots' rules) and the distributions, and exits 1 when a one-defect
//! harbor shows other roots than its planted rules, a two-defect harbor misses one of its
//! two, or a one-defect report is longer than 60 lines.

#[path = "../tests/zoo/mod.rs"]
#[allow(dead_code)]
mod zoo;

use std::collections::BTreeMap;
use std::time::Duration;

use conformance::suite::Outcome;
use conformance::{Level, Report};
use zoo::{suite, suite_pair, Defect};

/// The rules of the causes that fail the certification (of every cause when none does).
fn root_rules(report: &Report) -> Vec<&'static str> {
    let causes = report.causes();
    let failing = causes.iter().any(|c| report.fails_certification(c[0]));
    let roots = causes
        .iter()
        .filter(|c| !failing || report.fails_certification(c[0]));
    let mut rules: Vec<&str> = roots
        .map(|c| c[0].rule.map_or("none", |r| r.name()))
        .collect();
    rules.sort();
    rules
}

fn main() {
    let mut histogram: BTreeMap<usize, usize> = BTreeMap::new();
    let mut roots_histogram: BTreeMap<usize, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let correct = Defect::CERTIFY.iter().filter(|d| !Defect::ALL.contains(d));
    let (mut defects, mut roots_total) = (0, 0);
    let only = std::env::var("LIMANI_SHOW").ok();
    let shown = |d: &Defect| only.as_ref().is_none_or(|o| *o == format!("{d:?}"));
    for &defect in Defect::ALL.iter().chain(correct).filter(|d| shown(d)) {
        // Short timeouts for the harbor that hangs; the others get the time they take.
        let timeout = match defect {
            Defect::Deadlock => Duration::from_secs(2),
            _ => Duration::from_secs(60),
        };
        let report = suite(defect).timeout(timeout).run();
        let failed = |level| -> Vec<&str> {
            (report.results.iter())
                .filter(|r| r.outcome == Outcome::Failed && r.level == level)
                .map(|r| r.id.as_str())
                .collect()
        };
        let (required, recommended) = (failed(Level::Required), failed(Level::Recommended));
        *histogram.entry(required.len()).or_default() += 1;
        let rules = root_rules(&report);
        let lines = report.to_text_after_progress().lines().count();
        // LIMANI_SHOW=Defect: the report, and each failure's root, rule and way, to see why a
        // cause splits.
        if std::env::var("LIMANI_SHOW").is_ok_and(|d| d == format!("{defect:?}")) {
            println!("{}", report.to_text_after_progress());
            for r in report
                .results
                .iter()
                .filter(|r| r.outcome == Outcome::Failed)
            {
                let rule = r.rule.map_or("none", |r| r.name());
                let root = r.cause.as_deref().unwrap_or("");
                println!("  {} <- {root} [{rule}] {:?} / {}", r.id, r.way, r.said);
            }
        }
        let mut planted: Vec<&str> = defect.planted().iter().map(|r| r.name()).collect();
        planted.sort();
        if Defect::ALL.contains(&defect) {
            defects += 1;
            roots_total += rules.len();
            *roots_histogram.entry(rules.len()).or_default() += 1;
            if rules != planted || lines > 60 {
                wrong.push(format!(
                    "{defect:?}: roots {rules:?}, planted {planted:?}, {lines} lines"
                ));
            }
        }
        println!(
            "{defect:<34?} {:>2} required {:>2} recommended {:>2} roots {:>3} lines  {}",
            required.len(),
            recommended.len(),
            rules.len(),
            lines,
            rules.join(" ")
        );
    }
    for &(a, b) in zoo::PAIRS {
        let report = suite_pair(a, b).timeout(Duration::from_secs(2)).run();
        let rules = root_rules(&report);
        let missing: Vec<&str> = (a.planted().iter().chain(b.planted()))
            .map(|r| r.name())
            .filter(|r| !rules.contains(r))
            .collect();
        println!("{a:?} + {b:?}: roots {}", rules.join(" "));
        if !missing.is_empty() {
            wrong.push(format!(
                "{a:?} + {b:?}: roots {rules:?}, missing {missing:?}"
            ));
        }
    }
    println!("\nrequired checks failed per defect: defects");
    for (n, defects) in histogram {
        println!("{n:>3}: {defects}");
    }
    println!("\nroots (causes) per defect: defects");
    for (n, defects) in roots_histogram {
        println!("{n:>3}: {defects}");
    }
    println!(
        "mean roots per defect: {:.2} over {defects} defects",
        roots_total as f64 / defects as f64
    );
    if !wrong.is_empty() {
        println!("\nnot one cause as planted:\n  {}", wrong.join("\n  "));
        std::process::exit(1);
    }
}
