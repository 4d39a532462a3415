//! benchpgaccess: the cost of one `sys_page_access` over 32 pages (reading
//! and clearing their accessed bits), all mapped and touched before each call.
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_A, PTE_P, PTE_U, PTE_W};
use jos::x86::rdtsc;
use jos::{cprintf, panic, sys_page_access, sys_page_alloc};

const PAGES: u32 = 32;
const CALLS: u64 = 100;
/// An unused stretch of address space for the test pages.
const REGION: u32 = 0x1000_0000;

fn touch_all() {
    for i in 0..PAGES {
        // SAFETY: mapped below, reached only through raw pointers.
        unsafe { core::ptr::write_volatile((REGION + i * PGSIZE) as *mut u32, i) };
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    for i in 0..PAGES {
        // SAFETY: the region is only reached through raw pointers.
        if let Err(e) = unsafe { sys_page_alloc(0, REGION + i * PGSIZE, PTE_P | PTE_U | PTE_W) } {
            panic!("sys_page_alloc: %e", e);
        }
    }
    let mut map = [0u32; 1];
    let mut total = 0;
    for _ in 0..CALLS {
        touch_all();
        let start = rdtsc();
        let n =
            sys_page_access(0, REGION, PAGES, &mut map, PTE_A).unwrap_or_else(|e| panic!("%e", e));
        total += rdtsc() - start;
        if n != PAGES {
            panic!("only %d pages accessed", n);
        }
    }
    cprintf!("BENCH pgaccess_32_pages %llu insns\n", total / CALLS);
}
