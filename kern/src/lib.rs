//! RJOS: the JOS exokernel in Rust.
//!
//! Modules that only make sense on the bare machine are compiled for the
//! i686-jos target alone; the pure logic (page tables against simulated
//! memory, the frame allocator, ELF checks, symbol lookup) also builds on the
//! host, where `cargo test` exercises it.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
// Dead-code and dependency checks mean something for the kernel build only:
// the host build compiles just the pure parts, for their tests.
#![cfg_attr(target_os = "none", deny(unused_crate_dependencies))]
#![cfg_attr(not(target_os = "none"), allow(dead_code, unused_crate_dependencies))]

#[macro_use]
mod console;

mod addr;
mod cga;
mod cmdline;
mod elf;
mod fpu;
mod frames;
mod gdt;
mod kbd;
mod kdebug;
mod monitor;
mod mpconfig;
mod pgdir;
mod pmap;
mod pmap_check;
mod sched;
mod spinlock;
mod tlb;
mod trap;
mod userptr;
mod vmprint;

#[cfg(target_os = "none")]
mod bkl;
#[cfg(target_os = "none")]
mod cpu;
#[cfg(target_os = "none")]
mod dblfault;
#[cfg(target_os = "none")]
mod env;
#[cfg(target_os = "none")]
pub mod init; // i386_init, which the binary links
#[cfg(target_os = "none")]
mod ipc;
#[cfg(target_os = "none")]
mod lapic;
#[cfg(target_os = "none")]
mod multiboot_info;
#[cfg(target_os = "none")]
mod panic;
#[cfg(target_os = "none")]
mod pgaccess;
#[cfg(target_os = "none")]
mod picirq;
#[cfg(target_os = "none")]
mod programs;
#[cfg(target_os = "none")]
mod serial;
#[cfg(target_os = "none")]
mod syscall;
#[cfg(target_os = "none")]
mod x86;
