//! The Limani contract of the Ch-aOS Logbook, made executable.
//!
//! - [`Limani`]: the 13 methods a harbor implements;
//! - [`records`]: what goes in and comes out, kept exactly;
//! - [`model::MemoryLimani`]: the contract itself, as an in-memory harbor;
//! - [`rows`]: run data in Ch-rima's row shape, for harbors in Python.

pub mod error;
pub mod limani;
pub mod model;
pub mod records;
pub mod rows;

pub use error::{ErrorKind, LimaniError, Result};
pub use limani::Limani;
pub use model::MemoryLimani;
pub use records::*;
