//! What the tests of Ch-rima and its look-alike share.

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
