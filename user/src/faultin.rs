//! The page-fault handler faultalloc and faultallocbad share (included with
//! `#[path]`): it maps the faulting page and writes a string into it.

use inc::memlayout::PGSIZE;
use inc::mmu::{round_down, PTE_P, PTE_U, PTE_W};
use jos::{cprintf, panic, snprintf, sys_page_alloc, UTrapframe};

pub fn handler(utf: &UTrapframe) {
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
