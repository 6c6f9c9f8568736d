//! Replay of recordings: the synthetic 10,000-operation run over 20 hosts on
//! `sqlite::memory:` (target: under 5 s), and every recorded run of the real Logbook.
//!
//! `cargo bench -p reference --bench fixture_replay`

use std::time::Instant;

use conformance::fixtures::{self, Recording};
use reference::SqliteLimani;

fn main() {
    let started = Instant::now();
    let text = fixtures::synthetic(10_000, 20);
    let recording = Recording::parse(&text).expect("the synthetic recording parses");
    let made = started.elapsed();

    let harbor = SqliteLimani::open_in_memory().expect("an in-memory store");
    let started = Instant::now();
    let replay = fixtures::replay(&recording, &harbor, "");
    let replayed = started.elapsed();
    assert!(replay.passed(), "{}", replay.to_text());
    println!(
        "synthetic 10,000 operations over 20 hosts ({} calls, {:.1} MB of trace): made and parsed in {:.2} s, replayed on sqlite::memory: in {:.2} s (target < 5 s)",
        recording.calls.len(),
        text.len() as f64 / 1e6,
        made.as_secs_f64(),
        replayed.as_secs_f64()
    );

    for fixture in fixtures::recorded() {
        let recording = Recording::parse(fixture.trace).expect("a recorded fixture parses");
        let harbor = SqliteLimani::open_in_memory().expect("an in-memory store");
        let started = Instant::now();
        let replay = fixtures::replay(&recording, &harbor, "");
        assert!(replay.passed(), "{}", replay.to_text());
        println!(
            "recorded {:<13} {:>3} calls replayed in {:>6.1} ms",
            fixture.scenario,
            replay.calls,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}
