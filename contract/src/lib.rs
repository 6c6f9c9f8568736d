//! The Limani contract of the Ch-aOS Logbook, as a harbor implements it: the [`Limani`] trait,
//! the records it receives and returns, its errors, [`Json`] payloads kept as text, and numbers
//! as the Logbook computes them (`numbers`);
//! [`AsyncLimani`], the same contract for harbors on an async runtime.
//!
//! A harbor depends on this crate alone; the conformance kit (crate `conformance`) is a
//! dev-dependency that checks it. Nothing here turns on a serde_json feature.

pub mod async_limani;
pub mod error;
pub mod exact;
pub mod json;
pub mod limani;
pub mod numbers;
pub mod records;

pub use async_limani::AsyncLimani;
pub use error::{ErrorKind, LimaniError, Result};
pub use exact::Exact;
pub use json::Json;
pub use limani::Limani;
pub use records::*;
