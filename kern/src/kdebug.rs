//! Kernel debugging: symbol and line lookup for backtraces.
//!
//! STUB: being written.
