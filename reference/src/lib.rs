//! Reference Limani harbors: what a correct harbor looks like, and the baseline the kit certifies.
//! [`SqliteLimani`] speaks Ch-rima's schema; a `ch-rima.db` written by Ch-aOS opens as it is.
//! [`PostgresLimani`] runs the same logical schema on PostgreSQL ([`PgServer`] finds a server).

pub mod postgres;
pub mod sqlite;

pub use postgres::{PgServer, PgStore, PostgresLimani};
pub use sqlite::SqliteLimani;
