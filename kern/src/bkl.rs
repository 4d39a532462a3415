//! Kernel state guarded by the big kernel lock.
//!
//! JOS serialises the whole kernel with one lock: a CPU takes it on every
//! entry from user mode and drops it just before returning there. State that
//! only that lock protects (the env table's companions, per-env kernel
//! state) lives in a [`BklCell`], which hands out a mutable reference without
//! a lock of its own. The rule that keeps this sound: call [`BklCell::get`]
//! only while holding the big kernel lock, and do not keep the reference
//! across a call that may use the same cell.

use core::cell::UnsafeCell;

pub struct BklCell<T>(UnsafeCell<T>);

// SAFETY: all access goes through `get`, which is only called with the big
// kernel lock held, so no two CPUs touch the contents at once.
unsafe impl<T> Sync for BklCell<T> {}

impl<T> BklCell<T> {
    pub const fn new(v: T) -> BklCell<T> {
        BklCell(UnsafeCell::new(v))
    }

    /// The contents. Caller holds the big kernel lock (see the module note).
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &mut T {
        debug_assert!(crate::spinlock::kernel_lock_held());
        // SAFETY: the big kernel lock serialises every user of the cell.
        unsafe { &mut *self.0.get() }
    }

    /// A raw pointer, for data each CPU touches in its own part without the lock.
    pub const fn as_ptr(&self) -> *mut T {
        self.0.get()
    }
}
