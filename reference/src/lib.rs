//! Reference Limani harbors: what a correct harbor looks like, and the baseline the kit certifies.
//! [`SqliteLimani`] speaks Ch-rima's schema; a `ch-rima.db` written by Ch-aOS opens as it is.

pub mod sqlite;

pub use sqlite::SqliteLimani;
