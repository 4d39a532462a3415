//! benchpgfault: the round trip of a page fault handled in user space —
//! kernel trap, upcall, a handler that maps the page, and the return to
//! the faulting instruction. The handler's sys_page_alloc is measured on
//! its own too, so the upcall's share is the difference.
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{round_down, PTE_P, PTE_U, PTE_W};
use jos::x86::rdtsc;
use jos::{cprintf, panic, set_pgfault_handler, sys_page_alloc, sys_page_unmap, UTrapframe};

const PAGES: u32 = 256;
/// An unused stretch of address space for the test pages.
const REGION: u32 = 0x1000_0000;
const RW: u32 = PTE_P | PTE_U | PTE_W;

fn handler(utf: &UTrapframe) {
    let page = round_down(utf.utf_fault_va, PGSIZE);
    // SAFETY: the page is unmapped: nothing refers to it.
    if let Err(e) = unsafe { sys_page_alloc(0, page, RW) } {
        panic!("sys_page_alloc at %08x: %e", page, e);
    }
}

fn unmap_region() {
    for i in 0..PAGES {
        // SAFETY: the region is only reached through raw pointers.
        let _ = unsafe { sys_page_unmap(0, REGION + i * PGSIZE) };
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);

    let start = rdtsc();
    for i in 0..PAGES {
        // SAFETY: the write faults and the handler maps the page.
        unsafe { core::ptr::write_volatile((REGION + i * PGSIZE) as *mut u32, i) };
    }
    let faults = (rdtsc() - start) / u64::from(PAGES);
    unmap_region();

    let start = rdtsc();
    for i in 0..PAGES {
        // SAFETY: as in the handler.
        if let Err(e) = unsafe { sys_page_alloc(0, REGION + i * PGSIZE, RW) } {
            panic!("sys_page_alloc: %e", e);
        }
    }
    let allocs = (rdtsc() - start) / u64::from(PAGES);
    unmap_region();

    cprintf!("BENCH pgfault_roundtrip %llu insns\n", faults);
    cprintf!("BENCH page_alloc %llu insns\n", allocs);
}
