//! lazyoom: running out, cleanly (after xv6's lazytests). First the
//! address space: `malloc` of 16 MB blocks until it returns null (the
//! heap may not pass FDTABLE); each block's first word is written, so each
//! costs a page. Freeing them all gives every frame back. Then physical
//! memory: a heap larger than the machine's memory, written page by page,
//! until no page is left; the library's fault handler says so and exits.
//! Never a kernel trap dump.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::memlayout::PGSIZE;
use jos::vmmap::{page_tables, unreferenced_frames};
use jos::{cprintf, free, malloc, panic};
use vmtest::{heap_pages, poke};

const BLOCK: usize = 16 << 20;
/// More than QEMU's 128 MB.
const TOO_MUCH: u32 = 160 << 20;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (free0, tables0) = (unreferenced_frames(), page_tables());
    // The blocks are linked through their first words.
    let mut last: *mut u8 = core::ptr::null_mut();
    let mut n = 0;
    loop {
        let b = malloc(BLOCK);
        if b.is_null() {
            break;
        }
        poke(b as u32, last as u32);
        last = b;
        n += 1;
    }
    cprintf!("lazyoom: malloc gave null after %d blocks of 16 MB\n", n);
    while !last.is_null() {
        // SAFETY: `last` is a block from malloc; its first word links the
        // one before.
        let prev = unsafe { core::ptr::read_volatile(last as *const *mut u8) };
        // SAFETY: freed once, not used afterwards.
        unsafe { free(last) };
        last = prev;
    }
    cprintf!(
        "lazyoom: freed them all: %u frames still used, for %u new page tables\n",
        free0 - unreferenced_frames(),
        page_tables() - tables0
    );

    let base = heap_pages(TOO_MUCH / PGSIZE);
    cprintf!("lazyoom: now writing %u MB page by page\n", TOO_MUCH >> 20);
    for i in 0..TOO_MUCH / PGSIZE {
        poke(base + i * PGSIZE, i);
    }
    panic!("lazyoom: wrote %u MB on a 128 MB machine", TOO_MUCH >> 20);
}
