//! faultevilhandler: an exception stack, but an upcall at a kernel address.
//! The kernel must not run it with user privileges and then fault forever:
//! it destroys us.
#![no_std]
#![no_main]

use core::arch::asm;
use inc::memlayout::{PGSIZE, UXSTACKTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::{sys_env_set_pgfault_upcall, sys_page_alloc};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the exception stack page is unused; the bad upcall address is
    // the test, and the kernel must handle it.
    unsafe {
        let _ = sys_page_alloc(0, UXSTACKTOP - PGSIZE, PTE_P | PTE_U | PTE_W);
        let _ = sys_env_set_pgfault_upcall(0, 0xF010_0020);
        asm!("mov dword ptr [{0}], 0", in(reg) 0u32);
    }
}
