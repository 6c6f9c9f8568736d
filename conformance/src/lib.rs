//! The Limani contract of the Ch-aOS Logbook, made executable.
//!
//! - the contract itself, re-exported from `limani_contract`: [`Limani`], the records, [`Json`];
//! - [`MemoryLimani`]: the contract as an in-memory harbor (the model);
//! - [`run_all`] and [`Suite`]: every check of the contract, against any harbor.

mod checks;
pub mod fixtures;
pub mod model;
#[doc(hidden)]
pub mod property;
#[doc(hidden)]
mod show;
pub mod suite;
pub mod toolkit;

pub use limani_contract::records::*;
pub use limani_contract::{error, json, limani, records};
pub use limani_contract::{ErrorKind, Exact, Json, Limani, LimaniError, Result, Revision};
/// The v1 logbook and Ch-rima's row shapes: the formats of `limani-fixtures`, passed on.
pub use limani_fixtures::{logbook, rows};
pub use model::{MemoryLimani, Rule};
pub use suite::{harness, harness_with, run_all, CheckResult, Outcome, Report, Suite};
pub use toolkit::{Check, Level};

#[cfg(feature = "tokio")]
pub use limani_contract::AsyncLimani;
#[cfg(feature = "tokio")]
pub use suite::{harness_async, run_all_async};
#[cfg(feature = "tokio")]
pub use toolkit::yielding::Yielding;
