//! vmmap: prints our own address space from `uvpd`/`uvpt` (issue 9), in
//! the layout of the kernel's `vmprint`, at the moments that show
//! copy-on-write at work: before fork, in parent and child right after
//! it, and after each wrote to the same data. The memory holds a program
//! image, a heap with eight zero pages and a written one, a PTE_SHARE page,
//! the stack and the exception stack. `tools/vmpicture.py` draws these
//! maps (`make vmpicture`). Last, with everything settled, it maps itself
//! once more and stops at a breakpoint, so that the kernel's
//! `vmprint 00001000` can be compared with that map line by line.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::arch::asm;
use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};
use jos::vmmap::vmmap;
use jos::{exit, fork, ipc_recv, ipc_send, panic, sys_page_alloc};
use vmtest::{heap_pages, peek, poke, wait};

/// Written by both after the fork: four pages of data to copy on write.
static mut TABLE: [u32; 4096] = [1; 4096];
const SHARED: u32 = 0x3000_0000;

fn write_table(value: u32) {
    for i in (0..4096).step_by(1024) {
        // SAFETY: a plain write to our own static, through a raw pointer.
        unsafe { core::ptr::write_volatile(&raw mut TABLE[i], value) };
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let heap = heap_pages(9);
    for i in 0..8 {
        peek(heap + i * PGSIZE);
    }
    poke(heap + 8 * PGSIZE, 8);
    // SAFETY: nothing lives at SHARED.
    if let Err(e) = unsafe { sys_page_alloc(0, SHARED, PTE_P | PTE_U | PTE_W | PTE_SHARE) } {
        panic!("sys_page_alloc: %e", e);
    }
    vmmap("parent before fork");
    let child = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if child == 0 {
        // Wait for the parent's map, so that the two never print at once.
        let _ = ipc_recv(None, None, None);
        vmmap("child after fork");
        write_table(2);
        poke(heap + 8 * PGSIZE, 9);
        vmmap("child after writes");
        exit();
    }
    vmmap("parent after fork");
    ipc_send(child, 0, None, 0);
    wait(child);
    write_table(3);
    vmmap("parent after writes");
    vmmap("self");
    // SAFETY: a breakpoint trap; the monitor's `continue` resumes us.
    unsafe { asm!("int3") };
}
