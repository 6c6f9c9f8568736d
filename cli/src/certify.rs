//! `limani certify`: the suite over the target, its progress, the report and its files, the
//! exit status.

use std::io::Write;
use std::process::ExitCode;

use conformance::suite::CheckResult;
use conformance::{Level, Revision};

use crate::args::{self, Certify, Target};
use crate::targets::suite_for;
use crate::{junit, sqlite_target};

/// One line per check as it ends, on stderr; on a terminal a counter `[12/64]` and colours
/// (none under `NO_COLOR`).
fn progress(total: usize, strict: bool) -> impl Fn(&CheckResult) + Send + Sync {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let done = std::sync::atomic::AtomicUsize::new(0);
    move |result| {
        let counts = strict || result.level == Level::Required;
        let mark = conformance::suite::report::mark(result.outcome, counts);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let counter = if terminal {
            format!("[{n}/{total}] ")
        } else {
            String::new()
        };
        let mark = match (colour, result.outcome) {
            (false, _) => mark.to_owned(),
            (true, conformance::suite::Outcome::Passed) => format!("\x1b[32m{mark}\x1b[0m"),
            (true, conformance::suite::Outcome::Failed) if counts => {
                format!("\x1b[1;31m{mark}\x1b[0m")
            }
            (true, _) => format!("\x1b[33m{mark}\x1b[0m"),
        };
        eprintln!(
            "  {counter}{mark} {:<54} {:>8.1} ms",
            result.id, result.duration_ms
        );
    }
}

/// The command that runs one check again, as it was run: quoted for a POSIX shell, `{id}` for
/// the check.
fn reproduce(c: &Certify) -> String {
    let mut args = vec![
        "limani".to_owned(),
        "certify".to_owned(),
        c.target.to_string(),
    ];
    for dir in &c.python_path {
        args.extend(["--python-path".to_owned(), dir.display().to_string()]);
    }
    if c.config != "{}" {
        args.extend(["--config".to_owned(), c.config.clone()]);
    }
    if c.revision_given {
        let revision = match c.revision {
            Revision::Seed => "seed",
            Revision::Chaos07 => "chaos07",
        };
        args.extend(["--revision".to_owned(), revision.to_owned()]);
    }
    for (flag, on) in [
        ("--no-reopen", !c.reopen),
        ("--in-place", c.in_place),
        ("--strict", c.strict),
    ] {
        if on {
            args.push(flag.to_owned());
        }
    }
    // Passwords are left out (`***`): the line goes into reports and CI artifacts.
    let quoted: Vec<String> = (args.iter())
        .map(|a| shell_quote(&args::without_passwords(a)))
        .collect();
    format!("{} --only {{id}}", quoted.join(" "))
}

/// `text` as one word of a POSIX shell.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    match !text.is_empty() && text.chars().all(plain) {
        true => text.to_owned(),
        false => format!("'{}'", text.replace('\'', "'\\''")),
    }
}

/// `--log-dir`: each check that did not pass in a file of its own, its message whole.
fn write_log_dir(folder: &std::path::Path, report: &conformance::Report) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for r in report
        .results
        .iter()
        .filter(|r| r.outcome != conformance::suite::Outcome::Passed)
    {
        let name = format!("{}.txt", r.id.replace("::", "__"));
        let mut text = format!(
            "{} {} ({:?})\nclause: {}\n\n{}\n",
            report.status(r),
            r.id,
            r.level,
            r.clause,
            r.message.as_deref().unwrap_or("")
        );
        if !r.calls.is_empty() {
            let n = r.calls.len();
            text.push_str(&format!(
                "\nevery call, arguments and results whole ({n}):\n"
            ));
            for call in &r.calls {
                text.push_str(call);
                text.push('\n');
            }
        }
        std::fs::write(folder.join(name), text)?;
    }
    Ok(())
}

/// For a Python harbor: where the cookbook explains each check that did not pass, one line
/// per section.
fn cookbook_links(report: &conformance::Report) -> String {
    use conformance::suite::cookbook;
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    let not_passed =
        (report.results.iter()).filter(|r| matches!(report.status(r), "failed" | "warned"));
    for r in not_passed {
        let section = cookbook::section(&r.id);
        match sections.iter_mut().find(|(s, _)| *s == section) {
            Some((_, ids)) => ids.push(&r.id),
            None => sections.push((section, vec![&r.id])),
        }
    }
    let mut out = String::new();
    for (section, ids) in sections {
        let ids = conformance::toolkit::shorten(&ids.join(", "), 200, 0);
        out += &format!("see {}#{section} for {ids}\n", cookbook::COOKBOOK);
    }
    out
}

/// The first `--only` or `--skip` id that names no check and no group.
fn unknown_ids(c: &Certify) -> Option<String> {
    let mut checks = conformance::suite::all_checks();
    if let Target::PostgresAsync(_) = c.target {
        checks.extend(conformance::suite::async_checks());
    }
    let known = |id: &str| checks.iter().any(|k| k.id == id || k.group == id);
    let flags = c
        .only
        .iter()
        .map(|id| ("--only", id))
        .chain(c.skip.iter().map(|id| ("--skip", id)));
    for (flag, id) in flags {
        if !known(id) {
            return Some(format!("{flag} {id}: no check or group has this id"));
        }
    }
    None
}

pub fn run_certify(c: &Certify) -> ExitCode {
    let mut suite = match suite_for(c) {
        Ok(suite) => suite,
        Err((status, message)) => {
            eprintln!("limani: {message}");
            return ExitCode::from(status);
        }
    };
    suite = suite
        .name(c.target.to_string())
        .timeout(c.timeout)
        .reproduce_with(reproduce(c));
    suite = suite.strict(c.strict);
    if let Some(unknown) = unknown_ids(c) {
        eprintln!("limani: {unknown}\nsee `limani checks` for every check and group");
        return ExitCode::from(2);
    }
    for id in &c.only {
        suite = suite.only(id.clone());
    }
    for id in &c.skip {
        suite = suite.skip(id.clone());
    }
    if let Some(cases) = c.cases {
        suite = suite.cases(cases);
    }
    if let Some(seed) = c.seed {
        suite = suite.seed(seed);
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
    let total = suite.checks().len();
    let report = suite.on_result(progress(total, c.strict)).run();
    let outputs = [
        (&c.json, report.to_json()),
        (&c.junit, junit::to_junit(&report)),
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
    if let Some(folder) = &c.log_dir {
        if let Err(e) = write_log_dir(folder, &report) {
            eprintln!("limani: cannot write {}: {e}", folder.display());
            return ExitCode::from(2);
        }
    }
    if let (Target::SqliteFile(path), true) = (&c.target, c.in_place) {
        match sqlite_target::remove_kit_runs(path) {
            Ok(runs) => eprintln!(
                "limani: removed the kit's {runs} runs from {}",
                path.display()
            ),
            Err(e) => eprintln!("limani: {e}"),
        }
    }
    let mut stdout = std::io::stdout().lock();
    // Each result was shown as it came (stderr): the details, the summary and the verdict.
    let _ = write!(stdout, "{}", report.to_text_with(c.verbose));
    if matches!(c.target, Target::Python(_) | Target::EntryPoint(_)) {
        let _ = write!(stdout, "{}", cookbook_links(&report));
    }
    match (report.passed(), &report.server_lost) {
        (false, _) => ExitCode::from(1),
        // The server the kit started went away: the harbor could not be certified.
        (true, Some(_)) => ExitCode::from(3),
        (true, None) => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::args::Command;
    use crate::targets::harbor_command;

    fn certify(argv: &[&str]) -> Certify {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        match args::parse(&argv) {
            Ok(Command::Certify(c)) => c,
            _ => panic!("not a certify command: {argv:?}"),
        }
    }

    /// The reproduce line pastes into a shell as it is.
    #[test]
    fn the_reproduce_line_is_quoted() {
        let c = certify(&[
            "certify",
            "python:m:C",
            "--python-path",
            "/a b",
            "--config",
            "{\"k\": \"it's\"}",
        ]);
        assert_eq!(
            reproduce(&c),
            "limani certify python:m:C --python-path '/a b' --config '{\"k\": \"it'\\''s\"}' --only {id}"
        );
    }

    /// A harbor may take as long to start as a call may take: `--timeout` sets both.
    #[test]
    fn the_start_timeout_follows_the_timeout() {
        let c = certify(&["certify", "exec:true", "--timeout", "90"]);
        let command = harbor_command(&c).unwrap().unwrap();
        assert_eq!(command.start_timeout, Duration::from_secs(90));
        assert_eq!(command.call_timeout, Duration::from_secs(91));
    }
}
