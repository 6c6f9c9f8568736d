//! Reference Limani harbors: what a correct harbor looks like, and the baseline the kit certifies.
//! [`SqliteLimani`] speaks Ch-rima's schema; a `ch-rima.db` written by Ch-aOS opens as it is.
//! [`PostgresLimani`] runs the same logical schema on PostgreSQL ([`PgServer`] finds a server).

pub mod postgres;
#[doc(hidden)]
pub mod prepare;
pub mod sqlite;
mod unknown;

pub use postgres::{AsyncPostgresLimani, PgServer, PgStore, PostgresLimani};
pub use sqlite::SqliteLimani;

/// For tests that need a server or a tool this machine may lack: panics with `why`, unless
/// `LIMANI_SKIP` lists `what` (comma-separated, e.g. `LIMANI_SKIP=postgres,docker`); then says
/// loudly on stderr that the test was skipped, and returns.
#[doc(hidden)]
pub fn unavailable(what: &str, why: &str) {
    let allowed = std::env::var("LIMANI_SKIP").unwrap_or_default();
    if !allowed.split(',').any(|w| w.trim() == what) {
        panic!("{what} is needed here and is not available: {why}\n(on a machine without it, set LIMANI_SKIP={what} to skip this test)");
    }
    eprintln!("SKIPPED (LIMANI_SKIP={allowed}): {what} is not available: {why}");
}
