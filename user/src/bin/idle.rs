//! idle: gives up the CPU forever, so there is always something to run.
#![no_std]
#![no_main]

use jos::sys_yield;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    loop {
        sys_yield();
    }
}
