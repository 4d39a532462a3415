//! softint: raises interrupt 14 by hand; its gate is kernel-only, so the CPU
//! must turn it into a general protection fault.
#![no_std]
#![no_main]

use core::arch::asm;
// Links the library: _start, libmain and the panic handler.
use jos as _;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the kernel destroys us on the resulting fault.
    unsafe { asm!("int 14") };
}
