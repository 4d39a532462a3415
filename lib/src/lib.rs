//! The RJOS user library: what every user program links with.
//!
//! It plays the part of JOS's `lib/`: the program entry (`_start` →
//! `libmain` → the program's `umain`), system-call stubs, a buffered
//! `cprintf!`, `panic!`, page-fault upcalls, copy-on-write `fork`, `sfork`
//! and IPC. Policy lives here, not in the kernel: fork's copy-on-write is
//! built entirely from the kernel's page-mapping and upcall mechanisms.
//!
//! A program is a binary in `user/src/bin` that defines
//! `#[no_mangle] pub extern "C" fn umain(argc: i32, argv: *const *const u8)`;
//! see `docs/user.md`.
#![no_std]

pub mod entry;
pub mod exit;
pub mod fork;
pub mod ipc;
pub mod libmain;
pub mod panic;
pub mod pgfault;
#[macro_use]
pub mod printf;
pub mod string;
pub mod syscall;
pub mod x86;

pub use exit::exit;
pub use fork::{fork, sfork};
pub use inc;
pub use inc::trap::UTrapframe;
pub use ipc::{ipc_recv, ipc_send};
pub use libmain::{binaryname, envs, thisenv};
pub use pgfault::set_pgfault_handler;
pub use syscall::*;
