//! The ABI shared by the RJOS kernel and user space.
//!
//! Everything here is plain data and pure logic: layout constants, page-table
//! bits, error codes, `#[repr(C)]` structures laid out byte for byte like MIT
//! JOS's headers, system-call numbers, and the printf-style formatter both
//! sides print with. Nothing here touches hardware, so it all runs under host
//! `cargo test`.
#![cfg_attr(not(test), no_std)]
#![deny(unused_crate_dependencies, unsafe_op_in_unsafe_fn)]

pub mod env;
pub mod error;
pub mod fd;
pub mod fs;
pub mod memlayout;
pub mod mmu;
pub mod printfmt;
pub mod syscall;
pub mod trap;
pub mod vmrange;
