//! Reference Limani harbors: what a correct harbor looks like, and the baseline the kit certifies.
//! [`SqliteLimani`] speaks Ch-rima's schema; a `ch-rima.db` written by Ch-aOS opens as it is.
//! [`PostgresLimani`] runs the same logical schema on PostgreSQL ([`PgServer`] finds a server).

pub mod postgres;
pub mod sqlite;

pub use postgres::{PgServer, PgStore, PostgresLimani};
pub use sqlite::SqliteLimani;

/// An update that changed no row was for an unknown run.
pub(crate) fn unknown_if_none(updated: u64, run_id: &str) -> conformance::Result<()> {
    match updated {
        0 => Err(conformance::LimaniError::UnknownRun {
            run_id: run_id.to_owned(),
        }),
        _ => Ok(()),
    }
}
