//! The Limani contract of the Ch-aOS Logbook, made executable.
//!
//! - [`Limani`]: the 13 methods a harbor implements;
//! - [`records`]: what goes in and comes out, kept exactly;
//! - [`model::MemoryLimani`]: the contract itself, as an in-memory harbor;
//! - [`rows`]: run data in Ch-rima's row shape, for harbors in Python;
//! - [`suite`]: every check of the contract: [`run_all`], [`Suite`], [`suite!`].

mod checks;
pub mod error;
pub mod limani;
pub mod model;
pub mod property;
pub mod records;
pub mod rows;
pub mod suite;

pub use error::{ErrorKind, LimaniError, Result};
pub use limani::Limani;
pub use model::MemoryLimani;
pub use records::*;
pub use suite::{run_all, Level, Report, Revision, Suite};
