//! `limani`: certify a Limani harbor against the Logbook contract.
//! Exit status: 0 when every required check passes, 1 when one fails, 2 on a usage error.

mod args;
mod bench;
mod certify;
mod checks;
mod interrupt;
mod junit;
mod logbooks;
mod replay;
mod secrets;
mod serve;
mod sqlite_target;
mod start_failure;
mod target;
mod targets;
mod usage_error;

use std::process::ExitCode;

use args::Command;

fn main() -> ExitCode {
    interrupt::install();
    let status = run();
    // An interrupted run ends as interrupted, even when its work ended first (a server the
    // teardown stopped looks lost to the run): the teardown's own exit follows.
    interrupt::unless_interrupted(status)
}

fn run() -> ExitCode {
    if let Err(message) = conformance::property::Settings::from_env() {
        eprintln!("limani: {message}");
        return ExitCode::from(2);
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match args::parse(&argv) {
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's own text, on stdout.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", usage_error::error_text(&e, &argv));
            ExitCode::from(2)
        }
        Ok(Command::Checks { markdown, json }) => {
            print!("{}", checks::list_checks(markdown, json));
            ExitCode::SUCCESS
        }
        Ok(Command::Certify(certify)) => certify::run_certify(&certify),
        Ok(Command::Serve(target)) => serve::run_serve(&target),
        Ok(Command::Replay { trace, certify }) => replay::run(&trace, &certify),
        Ok(Command::Export {
            run,
            output,
            certify,
        }) => logbooks::export(&run, output.as_deref(), &certify),
        Ok(Command::Import {
            logbook,
            new_run_id,
            certify,
        }) => logbooks::import(&logbook, new_run_id, &certify),
        Ok(Command::Bench {
            targets,
            operations,
            json,
        }) => bench::run(&targets, operations, json.as_deref()),
    }
}
