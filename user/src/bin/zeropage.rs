//! zeropage: the shared zero page (issue 9). Reads of 1000 untouched heap
//! pages all map the kernel's one zero frame, read-only, costing no frame
//! but the page table; the first write to one of them gives it a private
//! page; a forked child's write stays in the child.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::memlayout::PGSIZE;
use inc::mmu::PTE_W;
use jos::fork::uvpt;
use jos::vmmap::{frame_refs, page_tables, unreferenced_frames};
use jos::{cprintf, exit, fork, panic, sbrk};
use vmtest::{frame, heap_pages, peek, poke, wait};

const PAGES: u32 = 1000;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let base = heap_pages(PAGES);
    let page = |i: u32| base + i * PGSIZE;
    let (free0, tables0) = (unreferenced_frames(), page_tables());

    let nonzero = (0..PAGES).filter(|&i| peek(page(i) + 8) != 0).count();
    let zero = frame(page(0)).unwrap_or(0);
    let sharing = (0..PAGES).filter(|&i| frame(page(i)) == Some(zero)).count();
    let read_only = (0..PAGES).all(|i| uvpt(page(i)).is_some_and(|p| p & PTE_W == 0));
    cprintf!(
        "zeropage: read %d pages: %d not zero, %d on one frame, read-only %s\n",
        PAGES,
        nonzero,
        sharing,
        if read_only { "yes" } else { "no" }
    );
    let used = free0 - unreferenced_frames();
    let new_tables = page_tables() - tables0;
    cprintf!(
        "zeropage: reading used %u frames, %u of them new page tables\n",
        used,
        new_tables
    );
    cprintf!(
        "zeropage: the zero frame has %u references\n",
        frame_refs(zero)
    );

    let free1 = unreferenced_frames();
    poke(page(500), 0x5a5a_5a5a);
    let private = uvpt(page(500)).is_some_and(|p| p & PTE_W != 0) && frame(page(500)) != Some(zero);
    let still = (0..PAGES).filter(|&i| frame(page(i)) == Some(zero)).count();
    cprintf!(
        "zeropage: writing page 500 used %u frame, private %s, %d pages still share the zero frame\n",
        free1 - unreferenced_frames(),
        if private { "yes" } else { "no" },
        still
    );

    // fork shares the zero page read-only; a write in the child must not
    // reach the parent.
    let child = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if child == 0 {
        poke(page(7), 7);
        let mine = frame(page(7)) != Some(zero) && peek(page(7)) == 7;
        cprintf!(
            "zeropage: child wrote page 7, private %s\n",
            if mine { "yes" } else { "no" }
        );
        exit();
    }
    wait(child);
    cprintf!(
        "zeropage: parent's page 7 still zero %s, on the zero frame %s\n",
        if peek(page(7)) == 0 { "yes" } else { "no" },
        if frame(page(7)) == Some(zero) {
            "yes"
        } else {
            "no"
        }
    );

    // Shrinking the heap unmaps it all: the private page comes back.
    let free2 = unreferenced_frames();
    if let Err(e) = sbrk(-((PAGES * PGSIZE) as i32)) {
        panic!("sbrk: %e", e);
    }
    cprintf!(
        "zeropage: shrinking gave back %u frame, the zero frame has %u references\n",
        unreferenced_frames() - free2,
        frame_refs(zero)
    );
}
