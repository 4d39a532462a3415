//! faultnostack: registers the upcall but no exception stack, then faults.
//! The kernel must find no room for the UTrapframe and destroy us.
//! (RJOS's library maps an exception stack at start for its lazy-memory
//! policy, so this test first takes it away: docs/vm.md.)
#![no_std]
#![no_main]

use core::arch::asm;
use inc::memlayout::{PGSIZE, UXSTACKTOP};
use jos::pgfault::pgfault_upcall_addr;
use jos::{sys_env_set_pgfault_upcall, sys_page_unmap};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the upcall is real; the missing exception stack is the test,
    // and no Rust data lives on it.
    unsafe {
        let _ = sys_page_unmap(0, UXSTACKTOP - PGSIZE);
        let _ = sys_env_set_pgfault_upcall(0, pgfault_upcall_addr());
    }
    // SAFETY: a write to address 0, which faults.
    unsafe { asm!("mov dword ptr [{0}], 0", in(reg) 0u32) };
}
