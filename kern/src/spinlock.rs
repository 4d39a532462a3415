//! Spin locks and the big kernel lock (JOS lab 4).
//!
//! STUB: single-CPU no-ops until the multiprocessor work lands. The contract:
//! `lock_kernel`/`unlock_kernel` take and release the big kernel lock, which
//! knows its holder CPU and panics on recursive acquisition.

/// Takes the big kernel lock (spins until it is free).
pub fn lock_kernel() {}

/// Releases the big kernel lock; panics if this CPU does not hold it.
pub fn unlock_kernel() {}

/// Whether this CPU holds the big kernel lock.
pub fn kernel_lock_held() -> bool {
    true
}
