//! The `suite!` macro: one listed, filterable test per check, here for the SQLite harbor.

conformance::suite!(sqlite_in_memory, || {
    reference::SqliteLimani::open_in_memory().unwrap()
});

conformance::suite!(
    sqlite_seed_revision,
    || reference::SqliteLimani::open_in_memory().unwrap(),
    |s: conformance::Suite| { s.revision(conformance::Revision::Seed) }
);
