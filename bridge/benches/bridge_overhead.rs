//! Calls per second through the bridge to a no-op Python harbor: the cost of the process
//! bridge itself. `cargo bench -p bridge`.

use std::path::Path;
use std::time::Instant;

use bridge::{Launcher, ProcessLimani, PythonHarbor};
use conformance::Limani;

const CALLS: usize = 20_000;

fn rate(harbor: &ProcessLimani, threads: usize) -> f64 {
    let per_thread = CALLS / threads;
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for _ in 0..per_thread {
                    harbor
                        .get_or_create_host("run", &format!("host-{t}"))
                        .unwrap();
                }
            });
        }
    });
    (per_thread * threads) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let harbors = Path::new(env!("CARGO_MANIFEST_DIR")).join("harbors");
    let command =
        bridge::python::command(&PythonHarbor::Class("broken:NoOp".into()), &[harbors], "{}")
            .unwrap();
    // As `limani certify` starts it (forked, a socket per lane), and as a plain process
    // (any language's harbor: every lane on its stdin and stdout).
    let launcher = Launcher::new(&command);
    assert!(launcher.forks(), "the fork server did not start");
    let forked = launcher.spawn().unwrap();
    let plain = ProcessLimani::spawn(&command).unwrap();
    for (harbor, how) in [
        (&forked, "forked, lane sockets"),
        (&plain, "stdin and stdout"),
    ] {
        rate(harbor, 1); // warm-up
        for threads in [1, 4] {
            println!(
                "bridge to a no-op Python harbor ({how}), {threads} kit thread(s): {:.0} calls/s",
                rate(harbor, threads)
            );
        }
    }
}
