//! lazyshrink: after `sbrk` shrinks the heap, a page above the new break
//! is gone: its frame is back, and touching it faults. The library's
//! policy does not take the fault (the page is not in the heap any more)
//! and there is no other handler, so the kernel reports it and destroys
//! us, as for any stray access.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::memlayout::PGSIZE;
use jos::vmmap::unreferenced_frames;
use jos::{cprintf, panic, sbrk};
use vmtest::{heap_pages, peek, poke};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let base = heap_pages(2);
    poke(base, 1);
    poke(base + PGSIZE, 2);
    let free0 = unreferenced_frames();
    if let Err(e) = sbrk(-(PGSIZE as i32)) {
        panic!("sbrk: %e", e);
    }
    cprintf!(
        "lazyshrink: shrinking by a page gave back %u frame, the page below keeps %d\n",
        unreferenced_frames() - free0,
        peek(base)
    );
    cprintf!(
        "lazyshrink: now reading %08x, above the break\n",
        base + PGSIZE
    );
    let v = peek(base + PGSIZE);
    cprintf!("lazyshrink: still alive, read %d\n", v);
}
