//! tlbstale: may a child running on another CPU write to a frame after the
//! kernel has taken it away and handed it to someone else?
//!
//! The child (sfork: globals shared, so both see PHASE and WRITES) spins
//! writing MARKER into its page CHILD_PAGE. While it runs, the parent
//! replaces that page with a fresh one (sys_page_alloc over the mapping),
//! which drops the old frame's last reference, then allocates pages of its
//! own: the freed frame is the first the allocator would hand out. If the
//! child's CPU kept its TLB entry, its next writes land in one of the
//! parent's new pages. Run with 2 CPUs; with one, the child never runs
//! while the parent changes its mapping, so nothing can be stale.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::{cprintf, panic, sfork, sys_page_alloc, sys_page_unmap};

/// The child's page, mapped only in the child.
const CHILD_PAGE: u32 = 0x0a00_0000;
/// The parent's freshly allocated pages, scanned for the marker.
const SCAN_BASE: u32 = 0x0b00_0000;
const SCAN_PAGES: u32 = 16;
const MARKER: u32 = 0x57a1_e5ed;
const ROUNDS: u32 = 20;
/// Child writes to wait for before replacing its page, and after.
const WRITES_BEFORE: u32 = 1_000;
const WRITES_AFTER: u32 = 50_000;

const WAIT: u32 = 0;
const WRITE: u32 = 1;
const STOP: u32 = 2;

/// What the child should do (shared through sfork).
static PHASE: AtomicU32 = AtomicU32::new(WAIT);
/// Marker writes the child has made so far.
static WRITES: AtomicU32 = AtomicU32::new(0);

const RW: u32 = PTE_P | PTE_U | PTE_W;

fn child() {
    loop {
        match PHASE.load(Ordering::Acquire) {
            WAIT => core::hint::spin_loop(),
            WRITE => {
                // SAFETY: the parent keeps a page mapped at CHILD_PAGE (it
                // only ever replaces it) while PHASE is WRITE; no Rust
                // reference points there.
                unsafe { core::ptr::write_volatile(CHILD_PAGE as *mut u32, MARKER) };
                WRITES.fetch_add(1, Ordering::Release);
            }
            _ => return,
        }
    }
}

/// Spins until the child has written `n` more times (it is running).
fn wait_for_writes(n: u32) {
    let start = WRITES.load(Ordering::Acquire);
    while WRITES.load(Ordering::Acquire).wrapping_sub(start) < n {
        core::hint::spin_loop();
    }
}

fn alloc(envid: i32, va: u32) {
    // SAFETY: nothing of ours lives at these addresses; the child's page is
    // only reached through raw pointers.
    if let Err(e) = unsafe { sys_page_alloc(envid, va, RW) } {
        panic!("sys_page_alloc(%x, %x): %e", envid, va, e);
    }
}

/// One round: replace the child's page while it writes, take pages, look
/// for the marker in them. Returns the address where it was found.
fn round(child: i32) -> Option<u32> {
    wait_for_writes(WRITES_BEFORE);
    alloc(child, CHILD_PAGE); // the old frame loses its last reference
    for i in 0..SCAN_PAGES {
        alloc(0, SCAN_BASE + i * PGSIZE);
    }
    wait_for_writes(WRITES_AFTER);
    let mut found = None;
    for i in 0..SCAN_PAGES {
        let va = SCAN_BASE + i * PGSIZE;
        // SAFETY: mapped just above; read through a raw pointer only.
        if unsafe { core::ptr::read_volatile(va as *const u32) } == MARKER {
            found = found.or(Some(va));
        }
        // SAFETY: the page is ours and nothing refers to it any more.
        if let Err(e) = unsafe { sys_page_unmap(0, va) } {
            panic!("sys_page_unmap: %e", e);
        }
    }
    found
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let child_id = match sfork() {
        Ok(0) => return child(),
        Ok(id) => id,
        Err(e) => panic!("sfork: %e", e),
    };
    alloc(child_id, CHILD_PAGE);
    PHASE.store(WRITE, Ordering::Release);
    let mut stale = 0;
    for r in 0..ROUNDS {
        if let Some(va) = round(child_id) {
            if stale == 0 {
                cprintf!(
                    "tlbstale: round %d: the child's marker is in our page %x\n",
                    r,
                    va
                );
            }
            stale += 1;
        }
    }
    PHASE.store(STOP, Ordering::Release);
    if stale == 0 {
        cprintf!("tlbstale: no stale writes seen\n");
    } else {
        cprintf!(
            "tlbstale: STALE WRITE seen in a freed page (%d of %d rounds)\n",
            stale,
            ROUNDS
        );
    }
}
