//! faultread: reads address 0 (never mapped); the kernel must report a user page fault.
#![no_std]
#![no_main]

use core::arch::asm;
use jos::cprintf;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let value: u32;
    // SAFETY: the load faults; the kernel destroys us (the point of the test).
    unsafe { asm!("mov {0}, [{1}]", out(reg) value, in(reg) 0u32) };
    cprintf!("I read %08x from location 0!\n", value);
}
