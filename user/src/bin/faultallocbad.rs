//! faultallocbad: with a page-fault handler set, asks the kernel to print
//! from an unmapped address. The kernel reads user memory on our behalf and
//! must not run our handler for it: it destroys us (user_mem_check).
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{round_down, PTE_P, PTE_U, PTE_W};
use jos::{cprintf, panic, set_pgfault_handler, snprintf, sys_cputs, sys_page_alloc, UTrapframe};

fn handler(utf: &UTrapframe) {
    let addr = utf.utf_fault_va;
    cprintf!("fault %x\n", addr);
    // SAFETY: the page is unmapped: nothing refers to it.
    if let Err(e) = unsafe { sys_page_alloc(0, round_down(addr, PGSIZE), PTE_P | PTE_U | PTE_W) } {
        panic!("allocating at %x in page fault handler: %e", addr, e);
    }
    // SAFETY: the page at addr was just mapped; 100 bytes may spill into
    // the next page, which this handler maps in turn.
    let buf = unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, 100) };
    snprintf!(buf, "this string was faulted in at %x", addr);
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    sys_cputs(0xDEAD_BEEF as *const u8, 4);
}
