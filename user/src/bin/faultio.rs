//! faultio: an env without I/O privilege tries `outb`; the CPU must trap
//! (General Protection) and the kernel destroy it.
#![no_std]
#![no_main]

use jos::cprintf;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let eflags: u32;
    // SAFETY: reads eflags through the stack; no other effect.
    unsafe { core::arch::asm!("pushfd", "pop {}", out(reg) eflags) };
    if eflags & inc::mmu::FL_IOPL_MASK != 0 {
        cprintf!("faultio: eflags wrong: IOPL is not 0\n");
    } else {
        cprintf!("faultio: eflags right: IOPL 0\n");
    }
    // SAFETY: deliberately unsound for a user: the CPU refuses it (#GP).
    unsafe { core::arch::asm!("out dx, al", in("dx") 0x1F6u16, in("al") 0xF0u8) };
    cprintf!("faultio: made it here --- bug\n");
}
