//! A lock that outlives a panic: a harbor call that panicked on one kit thread must not stop
//! the others from reading what the harbor said.

use std::sync::{Mutex, MutexGuard};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
