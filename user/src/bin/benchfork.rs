//! benchfork: the cost of a copy-on-write fork of an environment with
//! 256 extra mapped, touched pages (measured in the parent, from the call
//! until fork returns).
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::x86::rdtsc;
use jos::{cprintf, exit, fork, panic, sys_page_alloc};

const PAGES: u32 = 256;
/// An unused stretch of address space for the test pages.
const REGION: u32 = 0x1000_0000;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    for i in 0..PAGES {
        let va = REGION + i * PGSIZE;
        // SAFETY: the region is unused and reached only through raw pointers.
        unsafe {
            if let Err(e) = sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W) {
                panic!("sys_page_alloc: %e", e);
            }
            core::ptr::write_volatile(va as *mut u32, i);
        }
    }
    let start = rdtsc();
    let child = match fork() {
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    if child == 0 {
        exit();
    }
    let cost = rdtsc() - start;
    cprintf!("BENCH fork_256pages %llu insns\n", cost);
}
