//! badsegment: loads the kernel's TSS selector (0x28) into %ds, which must
//! raise a general protection fault with error code 0x28.
#![no_std]
#![no_main]

use core::arch::asm;
// Links the library: _start, libmain and the panic handler.
use jos as _;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the load faults before %ds changes; the kernel destroys us.
    unsafe { asm!("mov ds, {0:x}", in(reg) 0x28u16) };
}
