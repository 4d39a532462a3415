//! benchspawn: from calling `spawn` to the child's `umain` (the child is
//! this program again, with an argument), averaged over a few spawns. The
//! start time travels in a PTE_SHARE page, which spawn shares.
#![no_std]
#![no_main]

use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};
use jos::x86::rdtsc;
use jos::{cprintf, panic, spawnl, sys_page_alloc, wait};

const SHARED: u32 = 0xB000_0000;
const SPAWNS: u64 = 4;

/// [start, total] in the shared page.
fn slot(i: usize) -> *mut u64 {
    (SHARED as *mut u64).wrapping_add(i)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let now = rdtsc();
    if jos::args().len() > 1 {
        // SAFETY: the parent mapped SHARED with PTE_SHARE; raw accesses only.
        unsafe { slot(1).write_volatile(slot(1).read_volatile() + now - slot(0).read_volatile()) };
        return;
    }
    // SAFETY: SHARED is unused in this program.
    if let Err(e) = unsafe { sys_page_alloc(0, SHARED, PTE_P | PTE_U | PTE_W | PTE_SHARE) } {
        panic!("sys_page_alloc: %e", e);
    }
    for _ in 0..SPAWNS {
        // SAFETY: as above.
        unsafe { slot(0).write_volatile(rdtsc()) };
        match spawnl!(b"/benchspawn", b"benchspawn", b"child") {
            Ok(child) => wait(child),
            Err(e) => panic!("spawn: %e", e),
        }
    }
    // SAFETY: as above.
    let total = unsafe { slot(1).read_volatile() };
    cprintf!("BENCH spawn_to_umain %llu insns\n", total / SPAWNS);
}
