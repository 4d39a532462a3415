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
pub mod cmdline;
pub mod kdebug;
pub mod pmap;

#[cfg(target_os = "none")]
pub mod init;
#[cfg(target_os = "none")]
pub mod lapic;
#[cfg(target_os = "none")]
pub mod monitor;
#[cfg(target_os = "none")]
pub mod mpconfig;
#[cfg(target_os = "none")]
pub mod multiboot_info;
#[cfg(target_os = "none")]
pub mod panic;
#[cfg(target_os = "none")]
pub mod picirq;
#[cfg(target_os = "none")]
pub mod serial;
#[cfg(target_os = "none")]
pub mod spinlock;
#[cfg(target_os = "none")]
pub mod x86;
