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

// `cow`, `argv`, `elf`, `evict`, `lineedit` and `shparse` are pure logic, and `heap`,
// `lazy` and `mmap` keep their pure parts (allocator, fault policy) apart from the
// machine's; these build everywhere, so `cargo test -p jos` tests them on
// the host. Everything else needs the i686 machine.
pub mod argv;
pub mod cow;
pub mod elf;
pub mod evict;
pub mod heap;
pub mod lazy;
pub mod lineedit;
pub mod mmap;
pub mod shparse;
pub use inc;

#[cfg(target_os = "none")]
pub mod console;
#[cfg(target_os = "none")]
pub mod demand;
#[cfg(target_os = "none")]
pub mod entry;
#[cfg(target_os = "none")]
pub mod exit;
#[cfg(target_os = "none")]
pub mod fd;
#[cfg(target_os = "none")]
pub mod file;
#[cfg(target_os = "none")]
pub mod fork;
#[cfg(target_os = "none")]
pub mod fsipc;
#[cfg(target_os = "none")]
pub mod ipc;
#[cfg(target_os = "none")]
pub mod libmain;
#[cfg(target_os = "none")]
pub mod pageref;
#[cfg(target_os = "none")]
pub mod panic;
#[cfg(target_os = "none")]
pub mod pgfault;
#[cfg(target_os = "none")]
pub mod pipe;
#[cfg(target_os = "none")]
#[macro_use]
pub mod printf;
#[cfg(target_os = "none")]
pub mod readline;
#[cfg(target_os = "none")]
pub mod spawn;
#[cfg(target_os = "none")]
pub mod string;
#[cfg(target_os = "none")]
pub mod swap;
#[cfg(target_os = "none")]
pub mod syscall;
#[cfg(target_os = "none")]
pub mod vmmap;
#[cfg(target_os = "none")]
pub mod wait;
#[cfg(target_os = "none")]
pub mod wset;
#[cfg(target_os = "none")]
pub mod x86;

#[cfg(target_os = "none")]
pub use {
    argv::Argv,
    console::{getchar, iscons, opencons, putchar},
    exit::exit,
    fd::{close, close_all, dup, fstat, ftruncate, read, readn, seek, stat, write, Stat},
    file::{open, remove, sync},
    fork::{fork, sfork},
    heap::{free, malloc, sbrk},
    inc::trap::UTrapframe,
    ipc::{ipc_recv, ipc_send, ipc_send_recv},
    libmain::{args, binaryname, env_mem, envs, thisenv},
    mmap::{mmap, msync, munmap},
    pgfault::set_pgfault_handler,
    pipe::{pipe, pipeisclosed},
    spawn::spawn,
    syscall::*,
    wait::wait,
    wset::working_set,
};
