//! mmapreuse: a removed file's blocks go to another file while a client
//! still maps them. The client keeps its pages (and what they held), and
//! neither its old contents nor its later stores show up in the new file:
//! the block cache gives the new file fresh pages (`bc::map_fresh`).
//!
//! Graded on a small disk of its own: the second file fills the disk, so
//! the allocator must come round to the first file's blocks.
#![no_std]
#![no_main]

#[path = "../mmapfile.rs"]
mod mmapfile;

use inc::error::E_NO_DISK;
use inc::fs::{O_CREAT, O_RDWR, O_TRUNC, WRITE_BUF_SIZE};
use inc::memlayout::PGSIZE;
use jos::mmap::{MAP_SHARED, PROT_READ, PROT_WRITE};
use jos::{close, cprintf, fstat, mmap, munmap, open, panic, remove, write};
use mmapfile::*;

const P: usize = PGSIZE as usize;

/// Writes 'b' into a new file until the disk is full; returns its size.
fn fill_disk(path: &[u8]) -> usize {
    let fd = check(open(path, O_RDWR | O_CREAT | O_TRUNC), "create");
    let chunk = [b'b'; WRITE_BUF_SIZE];
    loop {
        match write(fd, &chunk) {
            Ok(n) if n == chunk.len() => {}
            Ok(_) | Err(_) => break,
        }
    }
    let size = check(fstat(fd), "fstat").st_size as usize;
    // The disk is full now: a further write must say so.
    if write(fd, b"b") != Err(-E_NO_DISK) {
        panic!("the disk is not full");
    }
    check(close(fd), "close");
    size
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    make_file(b"/reuse-a", 2 * P, |_| b'a');
    let fd = check(open(b"/reuse-a", O_RDWR), "open");
    let p = check(
        mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
        "mmap",
    );
    check(close(fd), "close");
    if !memory_is(p, 2 * P, |_| b'a') {
        panic!("wrong contents");
    }
    check(remove(b"/reuse-a"), "remove");
    let size = fill_disk(b"/reuse-b");
    cprintf!(
        "mmapreuse: removed the mapped file, filled the disk with another: %u KB\n",
        size / 1024
    );
    let kept = memory_is(p, 2 * P, |_| b'a');
    fill_memory(p, 2 * P, b'X');
    let clean = file_is(b"/reuse-b", size, |_| b'b');
    cprintf!(
        "mmapreuse: the old mapping %s, the new file %s\n",
        if kept { "kept its bytes" } else { "CHANGED" },
        if clean {
            "holds only its own"
        } else {
            "holds the old file's bytes"
        }
    );
    check(munmap(p, 2 * P), "munmap");
    check(remove(b"/reuse-b"), "remove");
    check(jos::sync(), "sync");
}
