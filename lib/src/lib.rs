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
#![cfg_attr(not(test), no_std)]

// `cow` is pure logic and builds everywhere, so `cargo test -p jos` tests it
// on the host; everything else needs the i686 machine.
pub mod cow;
pub use inc;

#[cfg(target_os = "none")]
pub mod entry;
#[cfg(target_os = "none")]
pub mod exit;
#[cfg(target_os = "none")]
pub mod fork;
#[cfg(target_os = "none")]
pub mod ipc;
#[cfg(target_os = "none")]
pub mod libmain;
#[cfg(target_os = "none")]
pub mod panic;
#[cfg(target_os = "none")]
pub mod pgfault;
#[cfg(target_os = "none")]
#[macro_use]
pub mod printf;
#[cfg(target_os = "none")]
pub mod string;
#[cfg(target_os = "none")]
pub mod syscall;
#[cfg(target_os = "none")]
pub mod wset;
#[cfg(target_os = "none")]
pub mod x86;

#[cfg(target_os = "none")]
pub use {
    exit::exit,
    fork::{fork, sfork},
    inc::trap::UTrapframe,
    ipc::{ipc_recv, ipc_send},
    libmain::{binaryname, envs, thisenv},
    pgfault::set_pgfault_handler,
    syscall::*,
    wset::working_set,
};
