//! dumbfork: a fork without copy-on-write. The parent copies its whole
//! address space into the child page by page, then both take turns
//! printing (the parent 10 times, the child 20), yielding after each line.
#![no_std]
#![no_main]

use inc::env::{EnvId, ENV_RUNNABLE};
use inc::memlayout::{PGSIZE, USTACKTOP, UTEMP};
use inc::mmu::{round_down, PTE_P, PTE_U, PTE_W};
use jos::{cprintf, panic, sys_env_set_status, sys_exofork, sys_yield};
use jos::{sys_page_alloc, sys_page_map, sys_page_unmap};

extern "C" {
    /// The end of our bss, from the linker script.
    static end: u8;
}

/// Gives `child` a fresh page at `va` holding a copy of ours.
fn duppage(child: EnvId, va: u32) {
    let rw = PTE_P | PTE_U | PTE_W;
    // SAFETY: UTEMP is a scratch page nothing else uses; the child's page is
    // filled through it with raw pointers, and then unmapped again.
    unsafe {
        if let Err(e) = sys_page_alloc(child, va, rw) {
            panic!("sys_page_alloc: %e", e);
        }
        if let Err(e) = sys_page_map(child, va, 0, UTEMP, rw) {
            panic!("sys_page_map: %e", e);
        }
        core::ptr::copy_nonoverlapping(va as *const u8, UTEMP as *mut u8, PGSIZE as usize);
        if let Err(e) = sys_page_unmap(0, UTEMP) {
            panic!("sys_page_unmap: %e", e);
        }
    }
}

fn dumbfork() -> EnvId {
    let child = match sys_exofork() {
        Ok(0) => return 0, // the child; `thisenv()` is computed afresh
        Ok(id) => id,
        Err(e) => panic!("sys_exofork: %e", e),
    };
    // Program text, data and bss: everything from UTEXT to `end`.
    // Only the address of the linker symbol is taken, never its value.
    let data_end = core::ptr::addr_of!(end) as u32;
    let mut va = inc::memlayout::UTEXT;
    while va < data_end {
        duppage(child, va);
        va += PGSIZE;
    }
    // Our stack page: the one holding a local variable.
    let local = 0u32;
    let stack_page = round_down(core::ptr::addr_of!(local) as u32, PGSIZE);
    assert!(stack_page < USTACKTOP);
    duppage(child, stack_page);
    if let Err(e) = sys_env_set_status(child, ENV_RUNNABLE) {
        panic!("sys_env_set_status: %e", e);
    }
    child
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let who = dumbfork();
    let (lines, role) = if who != 0 {
        (10, "I am the parent.")
    } else {
        (20, "I am the child.")
    };
    for i in 0..lines {
        cprintf!("%d: %s\n", i, role);
        sys_yield();
    }
}
