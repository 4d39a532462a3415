//! `_start`: where the kernel enters every program.
//!
//! The kernel starts a program with `esp == USTACKTOP` and nothing on the
//! stack. A program started another way (spawn, later) finds `argc` and
//! `argv` already pushed. Either way `libmain(argc, argv)` is called with the
//! C calling convention, and it never returns.

use core::arch::global_asm;
use inc::memlayout::USTACKTOP;

global_asm!(
    ".section .text.entry, \"ax\"",
    ".globl _start",
    "_start:",
    // Started by the kernel: no arguments, so push argc = 0, argv = NULL.
    "    cmp esp, {ustacktop}",
    "    jne 2f",
    "    push 0",
    "    push 0",
    "2:",
    // A zero frame pointer ends backtraces here.
    "    xor ebp, ebp",
    "    call {libmain}",
    // libmain exits; if it ever came back, fault rather than run off.
    "    ud2",
    ustacktop = const USTACKTOP,
    libmain = sym crate::libmain::libmain,
);
