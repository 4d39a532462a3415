//! lazyheap: a sparse 256 MB heap (after xv6's lazytests). `sbrk` grows
//! the break by 256 MB without mapping anything; every 64th page is
//! written and read back, so exactly those pages, and the page tables
//! over them, take frames. Shrinking gives them all back. Then `malloc`
//! and `free` on the same heap.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::memlayout::PGSIZE;
use jos::fork::uvpt;
use jos::vmmap::{page_tables, unreferenced_frames};
use jos::{cprintf, free, malloc, panic, sbrk};
use vmtest::{heap_pages, peek, poke};

const REGION: u32 = 256 << 20;
const STRIDE: u32 = 64;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (free0, tables0) = (unreferenced_frames(), page_tables());
    let base = heap_pages(REGION / PGSIZE);
    let mapped_now = (0..REGION / PGSIZE)
        .filter(|&i| uvpt(base + i * PGSIZE).is_some())
        .count();
    cprintf!(
        "lazyheap: sbrk of 256 MB mapped %d pages and used %u frames\n",
        mapped_now,
        free0 - unreferenced_frames()
    );

    let touched = (0..REGION / PGSIZE).step_by(STRIDE as usize);
    for i in touched.clone() {
        poke(base + i * PGSIZE + 4, i ^ 0x5eed);
    }
    let bad = touched
        .clone()
        .filter(|&i| peek(base + i * PGSIZE + 4) != i ^ 0x5eed)
        .count();
    let mapped = (0..REGION / PGSIZE)
        .filter(|&i| uvpt(base + i * PGSIZE).is_some())
        .count();
    cprintf!(
        "lazyheap: wrote and read back %d pages, %d wrong, %d pages mapped\n",
        touched.count(),
        bad,
        mapped
    );
    cprintf!(
        "lazyheap: %u frames used: %u new page tables and the pages written\n",
        free0 - unreferenced_frames(),
        page_tables() - tables0
    );

    let before = unreferenced_frames();
    if let Err(e) = sbrk(-(REGION as i32)) {
        panic!("sbrk: %e", e);
    }
    cprintf!(
        "lazyheap: shrinking by 256 MB gave back %u frames\n",
        unreferenced_frames() - before
    );
    malloc_free();
}

/// malloc'd blocks are aligned, disjoint, zero until written; freeing them
/// all takes the break back where it was.
fn malloc_free() {
    let brk0 = sbrk(0).unwrap_or(0);
    let sizes = [1usize, 100, 4096, 1 << 20, 3, 10000];
    let mut blocks = [core::ptr::null_mut::<u8>(); 6];
    for (b, &n) in blocks.iter_mut().zip(sizes.iter()) {
        *b = malloc(n);
        if b.is_null() || !(*b as usize).is_multiple_of(16) {
            panic!("malloc(%d) gave %p", n, *b);
        }
    }
    let mut zero = true;
    for (&b, &n) in blocks.iter().zip(sizes.iter()) {
        // SAFETY: each block is ours, n bytes long; the blocks are disjoint
        // if malloc is right, which the read-back below checks.
        unsafe {
            zero &= core::slice::from_raw_parts(b, n).iter().all(|&x| x == 0);
            core::ptr::write_bytes(b, n as u8, n);
        }
    }
    // SAFETY: as above.
    let intact = blocks.iter().zip(sizes.iter()).all(|(&b, &n)| {
        unsafe { core::slice::from_raw_parts(b, n) }
            .iter()
            .all(|&x| x == n as u8)
    });
    for &b in blocks.iter().rev() {
        // SAFETY: every block came from malloc and is freed once.
        unsafe { free(b) };
    }
    cprintf!(
        "lazyheap: malloc: 6 blocks zeroed %s, intact %s, break back after free %s\n",
        if zero { "yes" } else { "no" },
        if intact { "yes" } else { "no" },
        if sbrk(0).unwrap_or(1) == brk0 {
            "yes"
        } else {
            "no"
        }
    );
}
