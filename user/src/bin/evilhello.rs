//! evilhello: asks the kernel to print kernel memory (0xf010000c); the kernel
//! must refuse and destroy us rather than leak it.
#![no_std]
#![no_main]

use jos::sys_cputs;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    sys_cputs(0xf010_000c as *const u8, 100);
}
