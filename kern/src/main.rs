//! The kernel binary: the boot assembly plus the `kern` library.
//!
//! Everything lives in the library (so its pure parts can be tested on the
//! host); this file only pulls in `boot/entry.S`, which calls `i386_boot`, then
//! `i386_init`.
#![cfg_attr(target_os = "none", no_std, no_main)]

// The constants entry.S uses come from the Rust definitions.
#[cfg(target_os = "none")]
core::arch::global_asm!(
    include_str!("../../boot/entry.S"),
    KERNBASE = const inc::memlayout::KERNBASE,
    KSTKSIZE = const inc::memlayout::KSTKSIZE,
    KSTACKTOP = const inc::memlayout::KSTACKTOP,
    ENTRY_PDES = const kern::init::ENTRY_MAPPED >> inc::memlayout::PTSHIFT,
    PDE_4MB = const inc::mmu::PTE_P | inc::mmu::PTE_W | inc::mmu::PTE_PS,
    CR0_BITS = const inc::mmu::CR0_PG | inc::mmu::CR0_WP | inc::mmu::CR0_PE,
    CR4_PSE = const inc::mmu::CR4_PSE,
    options(att_syntax)
);

#[cfg(target_os = "none")]
#[used]
static KEEP_BOOT: extern "C" fn(u32, u32) = kern::init::i386_boot;
#[cfg(target_os = "none")]
#[used]
static KEEP_INIT: extern "C" fn() -> ! = kern::init::i386_init;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the RJOS kernel runs under QEMU: try `make qemu-nox`");
}
