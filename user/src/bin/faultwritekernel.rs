//! faultwritekernel: writes kernel memory (not user-accessible); the kernel must report a user page fault.
#![no_std]
#![no_main]

use core::arch::asm;
// Links the library: _start, libmain and the panic handler.
use jos as _;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the store faults; the kernel destroys us (the point of the test).
    unsafe { asm!("mov dword ptr [{0}], 0", in(reg) 0xf010_0000u32) };
}
