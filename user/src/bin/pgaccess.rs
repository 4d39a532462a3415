//! pgaccess: the accessed and dirty bits through `sys_page_access` and the
//! library's `working_set` (xv6's pgaccess test, and more).
//!
//! Maps 32 fresh pages, touches pages 1 and 2 (reads) and 30 (a write),
//! and expects exactly those three in the working set, only page 30 dirty,
//! and nothing on the next look. Then a child reads page 3 of its own copy
//! and blocks; the parent must see exactly page 3 in the child's range.
#![no_std]
#![no_main]

use inc::env::{envx, ENV_FREE, ENV_NOT_RUNNABLE};
use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_A, PTE_D, PTE_P, PTE_U, PTE_W};
use jos::vmmap::{page_tables, unreferenced_frames};
use jos::{cprintf, envs, exit, fork, ipc_recv, ipc_send, panic, sys_page_access};
use jos::{sys_page_alloc, sys_page_unmap, sys_yield, working_set};

const PAGES: u32 = 32;
/// An unused stretch of address space for the test pages.
const REGION: u32 = 0x1000_0000;

fn page(i: u32) -> *mut u32 {
    (REGION + i * PGSIZE) as *mut u32
}

/// The set bits of `word`, printed like `1 2 30`.
fn print_bits(what: &str, word: u32, count: u32) {
    cprintf!("pgaccess: %s:", what);
    for i in 0..32 {
        if word & (1 << i) != 0 {
            cprintf!(" %d", i);
        }
    }
    cprintf!(" (%d pages)\n", count);
}

fn look(what: &str, bits: u32) -> u32 {
    let mut map = [0u32; 1];
    match sys_page_access(0, REGION, PAGES, &mut map, bits) {
        Ok(n) => {
            print_bits(what, map[0], n);
            map[0]
        }
        Err(e) => panic!("sys_page_access: %e", e),
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (free0, tables0) = (unreferenced_frames(), page_tables());
    for i in 0..PAGES {
        // SAFETY: the region is only reached through raw pointers.
        if let Err(e) = unsafe { sys_page_alloc(0, REGION + i * PGSIZE, PTE_P | PTE_U | PTE_W) } {
            panic!("sys_page_alloc: %e", e);
        }
    }
    cprintf!(
        "pgaccess: %d pages took %u frames, %u of them page tables\n",
        PAGES,
        free0 - unreferenced_frames(),
        page_tables() - tables0
    );
    let free1 = unreferenced_frames();
    // The kernel zeroed them through its own mapping: no user access yet.
    look("fresh pages accessed", PTE_A | PTE_D);

    // SAFETY: the pages were just mapped, and only raw pointers reach them.
    unsafe {
        let _ = core::ptr::read_volatile(page(1));
        let _ = core::ptr::read_volatile(page(2));
        core::ptr::write_volatile(page(30), 30);
    }
    let mut map = [0u32; 1];
    let n = working_set(REGION, PAGES, &mut map).unwrap_or_else(|e| panic!("working_set: %e", e));
    print_bits("working set", map[0], n);
    // working_set cleared only A: the write's D bit is still there.
    look("dirty", PTE_D);
    look("accessed again", PTE_A | PTE_D);
    cprintf!(
        "pgaccess: reading and clearing the bits took %u frames\n",
        free1 - unreferenced_frames()
    );

    child_case();
    for i in 0..PAGES {
        // SAFETY: as above.
        let _ = unsafe { sys_page_unmap(0, REGION + i * PGSIZE) };
    }
    // Only the page table stays, and what fork's copy-on-write faults made.
    cprintf!(
        "pgaccess: after unmapping, %u frames more in use than at the start, %u page tables more\n",
        free0 - unreferenced_frames(),
        page_tables() - tables0
    );
    cprintf!("pgaccess: done\n");
}

/// A child reads page 3 and waits; its accessed bits are the parent's to read.
fn child_case() {
    let child = match fork() {
        Ok(0) => {
            // SAFETY: our copy of the region, reached through raw pointers.
            let _ = unsafe { core::ptr::read_volatile(page(3)) };
            ipc_send(envs(envx(jos::sys_getenvid())).env_parent_id, 1, None, 0);
            let _ = ipc_recv(None, None, None);
            exit()
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let _ = ipc_recv(None, None, None);
    // Wait until it blocks: no CPU runs it (and caches its entries) then.
    while !(envs(envx(child)).env_status == ENV_NOT_RUNNABLE && envs(envx(child)).env_ipc_recving) {
        sys_yield();
    }
    let mut map = [0u32; 1];
    match sys_page_access(child, REGION, PAGES, &mut map, PTE_A) {
        Ok(n) => print_bits("child accessed", map[0], n),
        Err(e) => panic!("sys_page_access(child): %e", e),
    }
    ipc_send(child, 0, None, 0);
    // Gone, so that the frame count after it means something.
    while envs(envx(child)).env_id == child && envs(envx(child)).env_status != ENV_FREE {
        sys_yield();
    }
}
