//! RJOS: the JOS exokernel in Rust.
//!
//! Modules that only make sense on the bare machine are compiled for the
//! i686-jos target alone; the pure logic (page tables against simulated
//! memory, the frame allocator, ELF checks, symbol lookup) also builds on the
//! host, where `cargo test` exercises it.
#![cfg_attr(not(test), no_std)]

#[macro_use]
pub mod console;

pub mod addr;
pub mod cga;
pub mod cmdline;
pub mod elf;
pub mod frames;
pub mod gdt;
pub mod kbd;
pub mod kdebug;
pub mod monitor;
pub mod mpconfig;
pub mod pgdir;
pub mod pmap;
pub mod pmap_check;
pub mod sched;
pub mod spinlock;
pub mod tlb;
pub mod trap;
pub mod userptr;
pub mod vmprint;

#[cfg(target_os = "none")]
pub mod bkl;
#[cfg(target_os = "none")]
pub mod cpu;
#[cfg(target_os = "none")]
pub mod env;
#[cfg(target_os = "none")]
pub mod init;
#[cfg(target_os = "none")]
pub mod ipc;
#[cfg(target_os = "none")]
pub mod lapic;
#[cfg(target_os = "none")]
pub mod multiboot_info;
#[cfg(target_os = "none")]
pub mod panic;
#[cfg(target_os = "none")]
pub mod picirq;
#[cfg(target_os = "none")]
pub mod programs;
#[cfg(target_os = "none")]
pub mod serial;
#[cfg(target_os = "none")]
pub mod syscall;
#[cfg(target_os = "none")]
pub mod x86;
