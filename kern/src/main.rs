//! The kernel binary: the boot assembly plus the `kern` library.
//!
//! Everything lives in the library (so its pure parts can be tested on the
//! host); this file only pulls in `boot/entry.S`, which calls `i386_init`.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
core::arch::global_asm!(include_str!("../../boot/entry.S"), options(att_syntax));

#[cfg(target_os = "none")]
#[used]
static KEEP_INIT: extern "C" fn(u32, u32) -> ! = kern::init::i386_init;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the RJOS kernel runs under QEMU: try `make qemu-nox`");
}
