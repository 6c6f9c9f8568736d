//! Certify harbors written in any language: the kit's side of the bridge protocol
//! (`docs/bridge-protocol.md`), the serving side for built-in harbors, and Python's package.

pub mod binary_request;
mod fds;
pub mod forks;
mod lines;
mod mapping;
pub mod marshal;
mod marshal_codes;
pub mod process;
pub mod protocol;
pub mod python;
pub mod serve;
mod shared;
mod sync;
pub mod wire;
pub mod workload;

pub use forks::Launcher;
pub use process::{HarborCommand, ProcessLimani};
pub use python::PythonHarbor;
