//! What the tests of harbor processes share (the bridge's and the CLI's).

use std::time::Duration;

/// The recommended checks Ch-rima fails, and why: it runs the real Logbook fine without them.
pub const CHRIMA_WARNINGS: [&str; 8] = [
    // select-then-insert hosts: latent in 0.7, which resolves hosts on one thread
    "hosts::idempotent_under_threads",
    // hosts listed by the UNIQUE (run_id, name) index
    "run_data::hosts_in_creation_order",
    // foreign keys only on the connection that ran init_db
    "lifecycle::writes_to_unknown_run_rejected",
    "hosts::own_run_only",
    // ORDER BY timestamp leaves records of one timestamp in SQLite's order
    "records::ties_in_insertion_order",
    // NaN times and bounds are stored or compared as SQLite does
    "timespan::nan_bounds_rejected",
    "fidelity::non_finite_rejected",
    // a failed INSERT or UPDATE leaves its transaction open
    "property::hostile_sequences_match_model",
];

/// True once process `pid` is gone or a zombie (SIGKILL is delivered at once; the kernel tears
/// the process down in its own time, so this waits up to 2 s for it).
pub fn stops(pid: &str) -> bool {
    let running = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        stat.is_ok_and(|s| {
            s.rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z'))
        })
    };
    (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        !running()
    })
}

/// The live processes whose environment holds `needle` (a harbor's config names its folder):
/// every Python process the kit started for it, the fork server and its children among them.
pub fn processes_with_env(needle: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let pids = entries.filter_map(|e| e.ok()?.file_name().into_string().ok());
    pids.filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.windows(needle.len())
                    .any(|window| window == needle.as_bytes())
            })
        })
        .collect()
}
