//! Calls per second through the bridge to a no-op Python harbor: the cost of the process
//! bridge itself. `cargo bench -p bridge`.

use std::path::Path;
use std::time::Instant;

use bridge::{ProcessLimani, PythonHarbor};
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
    let harbor = ProcessLimani::spawn(&command).unwrap();
    rate(&harbor, 1); // warm-up
    for threads in [1, 4] {
        println!(
            "bridge to a no-op Python harbor, {threads} kit thread(s): {:.0} calls/s",
            rate(&harbor, threads)
        );
    }
}
