//! monitor: enters the kernel monitor from the shell (a breakpoint trap);
//! `continue` at the `K> ` prompt comes back here, and the program exits.
#![no_std]
#![no_main]

use jos as _;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: int3 only traps to the kernel, which returns here on `continue`.
    unsafe { core::arch::asm!("int3") };
}
