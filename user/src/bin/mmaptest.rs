//! mmaptest: the subtests of xv6's mmaptest (the 6.S081 mmap lab), each
//! printing its name and "ok", plus what RJOS adds: two envs that map one
//! file MAP_SHARED see each other's stores at once, and fork keeps that.
//!
//! The file is 1.5 pages of 'A' (xv6's makefile()), so the second page of
//! a mapping ends in zeros past the end of the file.
#![no_std]
#![no_main]

#[path = "../mmapfile.rs"]
mod mmapfile;

use inc::env::envx;
use inc::error::E_INVAL;
use inc::fs::{O_RDONLY, O_RDWR};
use inc::memlayout::PGSIZE;
use jos::mmap::{MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};
use jos::{
    close, cprintf, env_mem, fork, mmap, munmap, open, panic, remove, sys_getenvid, sys_yield, wait,
};
use mmapfile::*;

const P: usize = PGSIZE as usize;
const F: &[u8] = b"/mmap.dur";
const FLEN: usize = P + P / 2;

fn a_then_zeros(i: usize) -> u8 {
    if i < FLEN {
        b'A'
    } else {
        0
    }
}

/// xv6's _v1: the first 1.5 pages are 'A', the rest of the page zeros.
fn v1(p: usize, what: &str) {
    if !memory_is(p, 2 * P, a_then_zeros) {
        panic!("%s: mapped memory is not the file", what);
    }
}

fn ok(name: &str) {
    cprintf!("mmaptest: %s ok\n", name);
}

fn map(len: usize, prot: i32, flags: i32, fd: i32) -> usize {
    check(mmap(0, len, prot, flags, fd, 0), "mmap")
}

fn mmap_tests() {
    make_file(F, FLEN, |_| b'A');
    let fd = check(open(F, O_RDONLY), "open");
    let p = map(2 * P, PROT_READ, MAP_PRIVATE, fd);
    v1(p, "basic");
    check(munmap(p, 2 * P), "munmap");
    ok("basic");

    // A private writable mapping of a read-only file: writes stay ours.
    let p = map(2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
    v1(p, "private");
    fill_memory(p, 2 * P, b'Z');
    if !memory_is(p, 2 * P, |_| b'Z') {
        panic!("private: our writes are not there");
    }
    check(munmap(p, 2 * P), "munmap");
    if !file_is(F, FLEN, |_| b'A') {
        panic!("private: the writes reached the file");
    }
    ok("private");

    let r = mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if r != Err(-E_INVAL) {
        panic!("read-only: a shared writable map of an O_RDONLY fd was not refused");
    }
    ok("read-only");
    check(close(fd), "close");

    // Shared and writable on an O_RDWR fd; the mapping outlives the fd.
    let fd = check(open(F, O_RDWR), "open");
    let p = map(3 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    check(close(fd), "close");
    v1(p, "read/write");
    fill_memory(p, 2 * P, b'Z');
    check(munmap(p, 2 * P), "munmap");
    ok("read/write");

    // The stores reached the file; those past its end did not grow it.
    if !file_is(F, FLEN, |_| b'Z') {
        panic!("dirty: the file does not hold the stores, or its size changed");
    }
    ok("dirty");

    // The third page was never touched; unmapping it is fine.
    check(munmap(p + 2 * P, P), "munmap of an untouched page");
    ok("not-mapped unmap");

    make_file(b"/mmap1", 5, |i| b"12345"[i]);
    make_file(b"/mmap2", 5, |i| b"67890"[i]);
    let fd1 = check(open(b"/mmap1", O_RDONLY), "open");
    let p1 = map(P, PROT_READ, MAP_PRIVATE, fd1);
    let fd2 = check(open(b"/mmap2", O_RDONLY), "open");
    let p2 = map(P, PROT_READ, MAP_PRIVATE, fd2);
    check(close(fd1), "close");
    check(close(fd2), "close");
    if !memory_is(p1, 5, |i| b"12345"[i]) || !memory_is(p2, 5, |i| b"67890"[i]) {
        panic!("two files: wrong contents");
    }
    check(munmap(p1, P), "munmap");
    check(munmap(p2, P), "munmap");
    check(remove(b"/mmap1"), "remove");
    check(remove(b"/mmap2"), "remove");
    ok("two files");
}

/// xv6's fork_test, and fork keeping MAP_SHARED shared: the child's store
/// to an inherited shared page is the parent's at once.
fn fork_test() {
    make_file(F, FLEN, |_| b'A');
    let fd = check(open(F, O_RDWR), "open");
    let p1 = map(2 * P, PROT_READ, MAP_PRIVATE, fd);
    let p2 = map(2 * P, PROT_READ, MAP_SHARED, fd);
    check(close(fd), "close");
    // Another file: a store through p3 would show through p1 and p2 too
    // (a private page not yet written shows the file as it is now).
    make_file(b"/mmap.fork", 8, |_| b'A');
    let fd = check(open(b"/mmap.fork", O_RDWR), "open");
    let p3 = map(P, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    check(close(fd), "close");
    // Only some pages are in before the fork; the child faults the rest.
    if peek(p1) != b'A' || peek(p3) != b'A' {
        panic!("fork: wrong contents");
    }
    let child = check(fork(), "fork");
    if child == 0 {
        v1(p1, "fork child p1");
        v1(p2, "fork child p2");
        poke(p3 + 1, b'C');
        jos::exit();
    }
    wait(child);
    v1(p1, "fork parent p1");
    v1(p2, "fork parent p2");
    if peek(p3 + 1) != b'C' {
        panic!("fork: the child's store to the shared page is not ours");
    }
    check(munmap(p1, 2 * P), "munmap");
    check(munmap(p2, 2 * P), "munmap");
    check(munmap(p3, P), "munmap");
    if !file_is(b"/mmap.fork", 8, |i| if i == 1 { b'C' } else { b'A' }) {
        panic!("fork: the child's store did not reach the file");
    }
    check(remove(b"/mmap.fork"), "remove");
    ok("fork");
}

/// Spins until the byte at `va` is `b` (a bounded number of yields).
fn await_byte(va: usize, b: u8, what: &str) {
    for _ in 0..100_000 {
        if peek(va) == b {
            return;
        }
        sys_yield();
    }
    panic!("%s: the other env's store never showed", what);
}

/// Two envs that map one file MAP_SHARED each on their own see each
/// other's stores at once: they map the same frame. Ping-pong through it.
fn two_envs_share() {
    make_file(F, FLEN, |_| b'A');
    let child = check(fork(), "fork");
    let fd = check(open(F, O_RDWR), "open");
    let p = map(P, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    check(close(fd), "close");
    if child == 0 {
        poke(p, b'1');
        await_byte(p, b'2', "share child");
        jos::exit();
    }
    await_byte(p, b'1', "share parent");
    poke(p, b'2');
    wait(child);
    check(munmap(p, P), "munmap");
    ok("two envs share");
}

/// Mapping 64 pages maps nothing until a page is touched, then only it.
fn lazy_access() {
    const PAGES: usize = 64;
    make_file(b"/mmap.big", PAGES * P, |i| (i / P) as u8);
    let fd = check(open(b"/mmap.big", O_RDONLY), "open");
    let me = envx(sys_getenvid());
    let before = env_mem(me).em_pages;
    let p = map(PAGES * P, PROT_READ, MAP_PRIVATE, fd);
    let mapped = env_mem(me).em_pages - before;
    let seen = peek(p + 10 * P);
    let touched = env_mem(me).em_pages - before;
    cprintf!(
        "mmaptest: lazy access: %u pages mapped, %u after touching page 10 (the handle, then the page)\n",
        mapped,
        touched
    );
    if mapped != 1 || touched != 2 || seen != 10 {
        panic!("lazy access: not lazy");
    }
    check(munmap(p, PAGES * P), "munmap");
    if env_mem(me).em_pages != before {
        panic!("lazy access: munmap left pages");
    }
    check(close(fd), "close");
    check(remove(b"/mmap.big"), "remove");
    ok("lazy access");
}

fn map_then_unmap(va: usize) {
    let fd = check(open(F, O_RDONLY), "open");
    check(
        mmap(va, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0),
        "mmap",
    );
    check(close(fd), "close");
    if peek(va) != b'A' {
        panic!("munmap prevents access: wrong contents");
    }
    check(munmap(va, P), "munmap");
}

fn map_read_only(va: usize) {
    let fd = check(open(F, O_RDWR), "open");
    check(
        mmap(va, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0),
        "mmap",
    );
    check(close(fd), "close");
    if peek(va) != b'A' {
        panic!("read-only memory: wrong contents");
    }
}

/// Stores through a MAP_SHARED mapping alone (the server never writes the
/// blocks itself) reach the disk: the grader reads /mmap.disk from the
/// image after the run.
fn on_disk() {
    make_file(b"/mmap.disk", 2 * P, |_| b'A');
    let fd = check(open(b"/mmap.disk", O_RDWR), "open");
    let p = map(2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
    fill_memory(p, 2 * P, b'D');
    check(munmap(p, 2 * P), "munmap");
    check(close(fd), "close");
    cprintf!("mmaptest: /mmap.disk written through a mapping only\n");
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    mmap_tests();
    fork_test();
    two_envs_share();
    lazy_access();
    make_file(F, FLEN, |_| b'A');
    child_dies_at(
        0x5000_0000,
        map_then_unmap,
        false,
        "mmaptest: munmap prevents access",
    );
    ok("munmap prevents access");
    child_dies_at(
        0x5100_0000,
        map_read_only,
        true,
        "mmaptest: writes to read-only mapped memory",
    );
    if !file_is(F, FLEN, |_| b'A') {
        panic!("read-only memory: the file changed");
    }
    ok("writes to read-only mapped memory");
    check(remove(F), "remove");
    on_disk();
    // Removing frees blocks in the cached bitmap only: write it back, so
    // the disk fsck checks is the one the server sees.
    check(jos::sync(), "sync");
    cprintf!("mmaptest: done\n");
}
