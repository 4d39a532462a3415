//! faultallocbad: with a page-fault handler set, asks the kernel to print
//! from an unmapped address. The kernel reads user memory on our behalf and
//! must not run our handler for it: it destroys us (user_mem_check).
#![no_std]
#![no_main]

#[path = "../faultin.rs"]
mod faultin;

use faultin::handler;
use jos::{set_pgfault_handler, sys_cputs};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    set_pgfault_handler(handler);
    sys_cputs(0xDEAD_BEEF as *const u8, 4);
}
