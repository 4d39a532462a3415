//! breakpoint: executes `int3`, which user code may do: the kernel drops into
//! its monitor.
#![no_std]
#![no_main]

use core::arch::asm;
// Links the library: _start, libmain and the panic handler.
use jos as _;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: a breakpoint trap; the kernel decides what happens next.
    unsafe { asm!("int3") };
}
