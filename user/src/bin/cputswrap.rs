//! cputswrap: asks the kernel to print 0xffffffff bytes from UTEXT, a range
//! that wraps past 4 GiB (va + len = 0x7fffff). A kernel that computes the
//! end with 32-bit arithmetic checks nothing and reads all of memory. The
//! first byte we may not read is the first unmapped page above UTEXT; we
//! print where that is, and the grader compares it with the kernel's report.
#![no_std]
#![no_main]

use inc::memlayout::{PGSIZE, UTEXT};
use inc::mmu::PTE_U;
use jos::fork::uvpt;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut first_bad = UTEXT;
    while uvpt(first_bad).is_some_and(|pte| pte & PTE_U != 0) {
        first_bad += PGSIZE;
    }
    jos::cprintf!("cputswrap: first bad va %08x\n", first_bad);
    jos::sys_cputs(core::ptr::without_provenance(UTEXT as usize), 0xFFFF_FFFF);
    jos::cprintf!("cputswrap: still alive\n");
}
