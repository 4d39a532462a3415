//! faultalloc: a page-fault handler that maps the missing page and writes
//! a string into it, so that printing from an unmapped address works. The
//! second string crosses a page boundary, so the handler faults again
//! while it writes (a fault on the exception stack).
#![no_std]
#![no_main]

#[path = "../faultin.rs"]
mod faultin;

use faultin::handler;
use jos::string::cstr_at;
use jos::{cprintf, set_pgfault_handler};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    // SAFETY: the handler maps each page and writes a NUL-terminated string.
    unsafe {
        cprintf!("%s\n", cstr_at(0xdead_beef));
        cprintf!("%s\n", cstr_at(0xcafe_bffe));
    }
}
