//! `limani`: certify a Limani harbor against the Logbook contract.
//! Exit status: 0 when every required check passes, 1 when one fails, 2 on a usage error.

mod args;

use std::io::Write;
use std::process::ExitCode;

use args::{Certify, Command, Target};
use conformance::suite::{CheckResult, Outcome};
use conformance::{Level, Suite};
use reference::SqliteLimani;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&argv) {
        Ok(Command::Help) => {
            println!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Checks { markdown }) => {
            print!("{}", list_checks(markdown));
            ExitCode::SUCCESS
        }
        Ok(Command::Certify(certify)) => run_certify(&certify),
        Err(message) => {
            eprintln!("limani: {message}\n\n{}", args::USAGE);
            ExitCode::from(2)
        }
    }
}

fn list_checks(markdown: bool) -> String {
    let checks = conformance::suite::all_checks();
    let mut out = String::new();
    if markdown {
        out.push_str("| check | level | clause |\n|---|---|---|\n");
    }
    for c in checks {
        let level = format!("{:?}", c.level).to_lowercase();
        match markdown {
            true => out.push_str(&format!(
                "| `{}` | {level} | {} |\n",
                c.id,
                c.clause.replace('|', "\\|")
            )),
            false => out.push_str(&format!("{:<48} {:<12} {}\n", c.id, level, c.clause)),
        }
    }
    out
}

fn suite_for(target: &Target) -> Result<Suite, String> {
    Ok(match target {
        Target::SqliteMemory => {
            Suite::new(|| SqliteLimani::open_in_memory().expect("open an in-memory SQLite harbor"))
        }
        Target::SqliteFile(path) => {
            SqliteLimani::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let (open, reopen) = (path.clone(), path.clone());
            Suite::new(move || SqliteLimani::open(&open).expect("open the SQLite harbor"))
                .reopen(move || SqliteLimani::open(&reopen).expect("reopen the SQLite harbor"))
        }
    })
}

fn progress(result: &CheckResult) {
    let mark = match (result.outcome, result.level) {
        (Outcome::Passed, _) => "ok  ",
        (Outcome::Failed, Level::Required) => "FAIL",
        (Outcome::Failed, Level::Recommended) => "warn",
        (Outcome::Skipped, _) => "skip",
    };
    eprintln!("  {mark} {:<48} {:>8.1} ms", result.id, result.duration_ms);
}

fn run_certify(c: &Certify) -> ExitCode {
    let mut suite = match suite_for(&c.target) {
        Ok(suite) => suite,
        Err(message) => {
            eprintln!("limani: {message}");
            return ExitCode::from(2);
        }
    };
    suite = suite
        .name(c.target.to_string())
        .revision(c.revision)
        .timeout(c.timeout)
        .reproduce_with(format!("limani certify {} --only {{id}}", c.target));
    for id in &c.only {
        suite = suite.only(id.clone());
    }
    for id in &c.skip {
        suite = suite.skip(id.clone());
    }
    if suite.checks().is_empty() {
        eprintln!("limani: no check matches --only/--skip (see `limani checks`)");
        return ExitCode::from(2);
    }
    eprintln!(
        "limani: certifying {} ({} checks)",
        c.target,
        suite.checks().len()
    );
    let report = suite.on_result(progress).run();
    let outputs = [
        (&c.json, report.to_json()),
        (&c.junit, report.to_junit()),
        (&c.markdown, report.to_markdown()),
    ];
    for (path, text) in outputs {
        if let Some(path) = path {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("limani: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", report.to_text());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
