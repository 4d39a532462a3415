//! pt-grow-bad (after Pintos): a read 4096 bytes below esp is no stack
//! access, even inside the area the stack may grow into. The library says
//! why and gives the fault back to the kernel, which destroys us.
#![no_std]
#![no_main]

use core::arch::asm;
use jos::cprintf;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("pt-grow-bad: reading 4096 bytes below esp\n");
    let v: u32;
    // SAFETY: the read faults and we are destroyed (the point of the test).
    unsafe { asm!("mov {0}, [esp - 4096]", out(reg) v) };
    cprintf!("pt-grow-bad: still alive, read %08x\n", v);
}
