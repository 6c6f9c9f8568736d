//! The property part: generated whole sessions compared with the model after every step.

use crate::property::{self, Inputs};
use crate::toolkit::{Check, Ctx, Group, Level, Verdict};

/// The checks of this group, in report order.
pub(crate) fn checks() -> Vec<Check> {
    let group = Group::new("property", include_str!("property.rs"));
    vec![
        group.check(
            Level::Required,
            "sequences_match_model",
            sequences_match_model,
        ),
        group.check(
            Level::Required,
            "concurrent_sessions_explainable",
            concurrent_sessions_explainable,
        ),
        group.check(
            Level::Recommended,
            "hostile_sequences_match_model",
            hostile_sequences_match_model,
        ),
    ]
}

/// Any generated session the Logbook can send (each run created once, failure statuses, one end) gives the model's result at every step, ids up to a consistent renaming.
///
/// Logbook: the runs, hosts and writes of real sessions, with colliding and out-of-order times and hostile text.
fn sequences_match_model(ctx: &Ctx) -> Verdict {
    property::check(
        ctx.harbor(),
        &ctx.run_id(0),
        ctx.revision(),
        ctx.property(),
        false,
        Inputs::Logbook,
    )
}

/// A generated session split over a writer thread and the main thread ends as the model does after the writes in acknowledged order.
///
/// Logbook: the writer thread's queued writes and the main thread's reads, as the Logbook interleaves them.
fn concurrent_sessions_explainable(ctx: &Ctx) -> Verdict {
    property::check(
        ctx.harbor(),
        &ctx.run_id(0),
        ctx.revision(),
        ctx.property(),
        true,
        Inputs::Logbook,
    )
}

/// Any generated session, also with what the Logbook never sends (duplicate runs, invalid statuses, updates of unknown runs, writes after the end), gives the model's result at every step.
///
/// Recommended: the Logbook never sends these; a harbor shared with other tools should still keep them apart. Ch-rima's failed INSERTs and UPDATEs leave a transaction open and lock the store.
fn hostile_sequences_match_model(ctx: &Ctx) -> Verdict {
    property::check(
        ctx.harbor(),
        &ctx.run_id(0),
        ctx.revision(),
        ctx.property(),
        false,
        Inputs::Hostile,
    )
}
