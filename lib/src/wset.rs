//! Working sets: which pages of a range an env touched since the last look,
//! from the accessed bits the MMU sets (the kernel's `sys_page_access`).
//! Policy built on the mechanism: a pager would call this periodically and
//! page out what stays untouched.

use crate::syscall::sys_page_access;
use inc::mmu::PTE_A;

/// Pages of the `npages` from `va` in our own address space accessed since
/// the previous call (or since they were mapped): bit i of `bitmap` is page
/// i. Returns how many. Clears the accessed bits, so the next call starts
/// a new interval.
pub fn working_set(va: u32, npages: u32, bitmap: &mut [u32]) -> Result<u32, i32> {
    sys_page_access(0, va, npages, bitmap, PTE_A)
}
