//! pt-grow-pusha (after Pintos): `pusha` writes 32 bytes below esp before
//! esp moves, so the fault comes 32 bytes below the trap-time esp, and it
//! must still count as stack growth. esp is first moved a page below the
//! mapped stack, so two new pages are needed at once.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::arch::asm;
use jos::cprintf;
use jos::vmmap::unreferenced_frames;
use vmtest::stack_pages;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (pages0, free0) = (stack_pages(), unreferenced_frames());
    // SAFETY: esp is saved in a register and restored; what pushad writes
    // lies below every live frame, on pages the library maps.
    unsafe {
        asm!(
            "mov {saved}, esp",
            "and esp, 0xfffff000",
            "sub esp, 4096",
            "pushad",
            "mov esp, {saved}",
            saved = out(reg) _,
        );
    }
    let grown = stack_pages() - pages0;
    cprintf!(
        "pt-grow-pusha: pusha a page below the stack grew it by %u pages, using %u frames\n",
        grown,
        free0 - unreferenced_frames()
    );
}
