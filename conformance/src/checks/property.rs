//! The property part: generated whole sessions compared with the model after every step.

use super::ok;
use crate::property::{self, Inputs};
use crate::suite::checks;
use crate::Limani;

checks! {
    group "property";

    /// Any generated session the Logbook can send (each run created once, failure statuses, one end) gives the model's result at every step, ids up to a consistent renaming.
    ///
    /// Logbook: the runs, hosts and writes of real sessions, with colliding and out-of-order times and hostile text.
    Required fn sequences_match_model(ctx) {
        ok("init_db", ctx.harbor().init_db())?;
        property::check(ctx.harbor(), &ctx.run_id(0), ctx.revision(), ctx.property(), false, Inputs::Logbook)
    }

    /// A generated session split over a writer thread and the main thread ends as the model does after the writes in acknowledged order.
    ///
    /// Logbook: the writer thread's queued writes and the main thread's reads, as the Logbook interleaves them.
    Required fn concurrent_sessions_explainable(ctx) {
        ok("init_db", ctx.harbor().init_db())?;
        property::check(ctx.harbor(), &ctx.run_id(0), ctx.revision(), ctx.property(), true, Inputs::Logbook)
    }

    /// Any generated session, also with what the Logbook never sends (duplicate runs, invalid statuses, updates of unknown runs, writes after the end), gives the model's result at every step.
    ///
    /// Recommended: the Logbook never sends these; a harbor shared with other tools should still keep them apart. Ch-rima's failed INSERTs and UPDATEs leave a transaction open and lock the store.
    Recommended fn hostile_sequences_match_model(ctx) {
        ok("init_db", ctx.harbor().init_db())?;
        property::check(ctx.harbor(), &ctx.run_id(0), ctx.revision(), ctx.property(), false, Inputs::Hostile)
    }
}
