//! uxstackoverflow: a page-fault handler that faults again every time, so
//! the upcall frames pile up on the exception stack until the next one
//! would go into the guard page below it. The kernel must destroy the env
//! with a message naming the guard, not write the frame there.
#![no_std]
#![no_main]

use jos::{cprintf, set_pgfault_handler, UTrapframe};

/// Never mapped: every read faults.
const UNMAPPED: u32 = 0x2000_0000;

fn handler(_utf: &UTrapframe) {
    // SAFETY: the read faults; the upcall comes back here, one frame deeper.
    let _ = unsafe { core::ptr::read_volatile(UNMAPPED as *const u32) };
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    // SAFETY: as in the handler.
    let _ = unsafe { core::ptr::read_volatile(UNMAPPED as *const u32) };
    cprintf!("uxstackoverflow: still alive\n");
}
