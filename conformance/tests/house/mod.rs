//! The house as a reader walks it: crates in layers, files without circles.

pub mod circles;
pub mod crates;
