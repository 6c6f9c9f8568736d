//! The checks as tests of `cargo test` for an async harbor (`conformance::harness_async`): the
//! async model, the `tasks` checks with the others. `cargo test -p reference --test
//! harness_async -- tasks::` runs the async-only group.

use std::process::ExitCode;

use conformance::{MemoryLimani, Yielding};

fn main() -> ExitCode {
    conformance::harness_async(|| async { Yielding(MemoryLimani::new()) })
}
