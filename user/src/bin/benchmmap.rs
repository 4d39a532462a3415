//! benchmmap: the cost of an mmap page fault, in guest instructions (under
//! `make bench`'s `-icount`), on a block the file server has not cached
//! yet (read from the disk during the fault) and on one it has.
//!
//! The file is a program on the disk the server has not read since it
//! started (`/sh`); the average is over 12 pages, each faulted in by one
//! read through a MAP_PRIVATE read-only mapping. Then the mapping is
//! removed and made again, and the same 12 faults find the blocks cached.
#![no_std]
#![no_main]

#[path = "../mmapfile.rs"]
mod mmapfile;

use inc::fs::O_RDONLY;
use inc::memlayout::PGSIZE;
use jos::mmap::{MAP_PRIVATE, PROT_READ};
use jos::x86::rdtsc;
use jos::{close, cprintf, mmap, munmap, open};
use mmapfile::*;

const PAGES: usize = 12;

/// Maps the file, faults each page in with one read, unmaps; returns the
/// average instructions per fault.
fn fault_all(fd: i32) -> u64 {
    let len = PAGES * PGSIZE as usize;
    let p = check(mmap(0, len, PROT_READ, MAP_PRIVATE, fd, 0), "mmap");
    let mut total = 0;
    for page in 0..PAGES {
        let start = rdtsc();
        peek(p + page * PGSIZE as usize);
        total += rdtsc() - start;
    }
    if !memory_is(p, 4, |i| b"\x7fELF"[i]) {
        jos::panic!("benchmmap: the mapping does not show /sh's ELF header");
    }
    check(munmap(p, len), "munmap");
    total / PAGES as u64
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let fd = check(open(b"/sh", O_RDONLY), "open /sh");
    let uncached = fault_all(fd);
    let cached = fault_all(fd);
    check(close(fd), "close");
    cprintf!("BENCH mmap_fault_uncached %llu insns\n", uncached);
    cprintf!("BENCH mmap_fault_cached %llu insns\n", cached);
    cprintf!("benchmmap: both mappings showed /sh's ELF header\n");
}
