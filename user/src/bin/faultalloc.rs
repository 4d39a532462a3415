//! faultalloc: a page-fault handler that maps the missing page and writes
//! a string into it, so that printing from an unmapped address works. The
//! second string crosses a page boundary, so the handler faults again
//! while it writes (a fault on the exception stack).
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{round_down, PTE_P, PTE_U, PTE_W};
use jos::string::cstr_at;
use jos::{cprintf, panic, set_pgfault_handler, snprintf, sys_page_alloc, UTrapframe};

fn handler(utf: &UTrapframe) {
    let addr = utf.utf_fault_va;
    cprintf!("fault %x\n", addr);
    // SAFETY: the page is unmapped (that is why we are here): nothing refers to it.
    if let Err(e) = unsafe { sys_page_alloc(0, round_down(addr, PGSIZE), PTE_P | PTE_U | PTE_W) } {
        panic!("allocating at %x in page fault handler: %e", addr, e);
    }
    // SAFETY: 100 bytes from addr are either the page just mapped or the
    // next page, whose fault this same handler resolves.
    let buf = unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, 100) };
    snprintf!(buf, "this string was faulted in at %x", addr);
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    // SAFETY: the handler maps each page and writes a NUL-terminated string.
    unsafe {
        cprintf!("%s\n", cstr_at(0xdead_beef));
        cprintf!("%s\n", cstr_at(0xcafe_bffe));
    }
}
