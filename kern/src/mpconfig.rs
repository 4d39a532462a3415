//! Finding the CPUs through the MP configuration table (lab 4).
//!
//! STUB: one CPU until the multiprocessor work lands.

/// Reads the MP tables; afterwards `ncpu` and `bootcpu` are known.
pub fn mp_init() {}

/// Number of CPUs found (at least 1, at most NCPU).
pub fn ncpu() -> usize {
    1
}

/// Index of the boot CPU.
pub fn bootcpu() -> usize {
    0
}

/// Starts every application processor: each begins in the AP entry code
/// copied to MPENTRY_PADDR, switches to its own kernel stack
/// (`pmap::kstack_top(i)`) and calls `ap_main`, which never returns.
/// Returns once every AP has called `ap_started`.
pub fn boot_aps(ap_main: extern "C" fn() -> !) {
    let _ = ap_main;
}

/// Called by each AP from `ap_main` once it is set up.
pub fn ap_started() {}
