//! mmappintos: Pintos's mmap tests (project 3), one line each, with the
//! behaviour their names describe. Pintos's mmap always places the mapping
//! at the address given, so these pass MAP_FIXED; its "munmap" is ours.
//! Cases that must kill the program run in a child, which the kernel
//! destroys with its report. At the end this env has as many pages as
//! before the first case: no case costs a page or a handle.
#![no_std]
#![no_main]

#[path = "../mmapfile.rs"]
mod mmapfile;

use core::cell::UnsafeCell;
use inc::env::envx;
use inc::fs::{O_RDONLY, O_RDWR};
use inc::memlayout::{KERNBASE, PGSIZE, USTACKTOP, UTEXT, UTOP};
use jos::mmap::{MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};
use jos::{
    close, cprintf, env_mem, fork, mmap, munmap, open, panic, remove, seek, sys_getenvid, wait,
    write,
};
use mmapfile::*;

const P: usize = PGSIZE as usize;
/// Where the cases map (Pintos's 0x10000000).
const ACTUAL: usize = 0x1000_0000;
const SAMPLE: &[u8] = b"/sample.txt";
const SAMPLE_LEN: usize = 1200;
const SHARED_RW: i32 = MAP_SHARED | MAP_FIXED;

/// Pintos's sample.txt stands in as the alphabet, one line per 27 bytes.
fn sample(i: usize) -> u8 {
    b"abcdefghijklmnopqrstuvwxyz\n"[i % 27]
}

fn say(case: &str, what: &str) {
    cprintf!("mmappintos: %s: %s\n", case, what);
}

fn map_at(va: usize, len: usize, prot: i32, flags: i32, fd: i32, off: i32) -> usize {
    check(mmap(va, len, prot, flags | MAP_FIXED, fd, off), "mmap")
}

/// The case is refused: print the error, or die if it was not.
fn refused(case: &str, how: &str, r: Result<usize, i32>) {
    match r {
        Err(e) => {
            cprintf!("mmappintos: %s: %s: refused: %e\n", case, how, e);
        }
        Ok(va) => panic!("%s: mapped at %08x", case, va),
    }
}

fn open_sample(mode: i32) -> i32 {
    check(open(SAMPLE, mode), "open sample")
}

fn mmap_read() {
    let fd = open_sample(O_RDONLY);
    let p = map_at(ACTUAL, SAMPLE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
    if !memory_is(p, SAMPLE_LEN, sample) || peek(p + SAMPLE_LEN) != 0 {
        panic!("mmap-read: wrong contents");
    }
    check(munmap(p, SAMPLE_LEN), "munmap");
    check(close(fd), "close");
    say(
        "mmap-read",
        "the mapping shows the file, zeros past its end",
    );
}

fn mmap_close() {
    let fd = open_sample(O_RDONLY);
    let p = map_at(ACTUAL, SAMPLE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
    check(close(fd), "close");
    if !memory_is(p, SAMPLE_LEN, sample) {
        panic!("mmap-close: wrong contents");
    }
    check(munmap(p, SAMPLE_LEN), "munmap");
    say("mmap-close", "read after closing the fd");
}

fn map_and_unmap(va: usize) {
    let fd = open_sample(O_RDONLY);
    map_at(va, SAMPLE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
    if peek(va) != sample(0) {
        panic!("mmap-unmap: wrong contents");
    }
    check(munmap(va, SAMPLE_LEN), "munmap");
}

fn mmap_overlap() {
    let fd = open_sample(O_RDONLY);
    let p = map_at(ACTUAL, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    refused(
        "mmap-overlap",
        "the second page again",
        mmap(ACTUAL + P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0),
    );
    refused(
        "mmap-overlap",
        "the page before and the first",
        mmap(ACTUAL - P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0),
    );
    check(munmap(p, 2 * P), "munmap");
    check(close(fd), "close");
}

fn mmap_twice() {
    let (fd1, fd2) = (open_sample(O_RDONLY), open_sample(O_RDONLY));
    let p1 = map_at(ACTUAL, SAMPLE_LEN, PROT_READ, MAP_PRIVATE, fd1, 0);
    let p2 = map_at(
        ACTUAL + 0x1000_0000,
        SAMPLE_LEN,
        PROT_READ,
        MAP_PRIVATE,
        fd2,
        0,
    );
    if !memory_is(p1, SAMPLE_LEN, sample) || !memory_is(p2, SAMPLE_LEN, sample) {
        panic!("mmap-twice: wrong contents");
    }
    check(munmap(p1, SAMPLE_LEN), "munmap");
    check(munmap(p2, SAMPLE_LEN), "munmap");
    check(close(fd1), "close");
    check(close(fd2), "close");
    say("mmap-twice", "the file mapped twice, both show it");
}

fn mmap_write() {
    make_file(b"/sample.w", SAMPLE_LEN, |_| 0);
    let fd = check(open(b"/sample.w", O_RDWR), "open");
    let p = map_at(ACTUAL, SAMPLE_LEN, PROT_READ | PROT_WRITE, SHARED_RW, fd, 0);
    for i in 0..SAMPLE_LEN {
        poke(p + i, sample(i));
    }
    check(munmap(p, SAMPLE_LEN), "munmap");
    check(close(fd), "close");
    if !file_is(b"/sample.w", SAMPLE_LEN, sample) {
        panic!("mmap-write: the file does not hold the stores");
    }
    check(remove(b"/sample.w"), "remove");
    say(
        "mmap-write",
        "stores through the mapping are in the file after munmap",
    );
}

fn mmap_exit() {
    make_file(b"/sample.x", SAMPLE_LEN, |_| 0);
    let child = check(fork(), "fork");
    if child == 0 {
        let fd = check(open(b"/sample.x", O_RDWR), "open");
        let p = map_at(
            ACTUAL + P,
            SAMPLE_LEN,
            PROT_READ | PROT_WRITE,
            SHARED_RW,
            fd,
            0,
        );
        for i in 0..SAMPLE_LEN {
            poke(p + i, sample(i));
        }
        jos::exit(); // no munmap, no close: exit writes back
    }
    wait(child);
    if !file_is(b"/sample.x", SAMPLE_LEN, sample) {
        panic!("mmap-exit: the child's stores are not in the file");
    }
    check(remove(b"/sample.x"), "remove");
    say(
        "mmap-exit",
        "a child's stores are in the file after it exits",
    );
}

const SHUFFLE_LEN: usize = 16 * P;
struct Shadow(UnsafeCell<[u8; SHUFFLE_LEN]>);
// SAFETY: one env, one thread; only mmap_shuffle takes a reference.
unsafe impl Sync for Shadow {}
static SHADOW: Shadow = Shadow(UnsafeCell::new([0; SHUFFLE_LEN]));

fn mmap_shuffle() {
    let start = |i: usize| (i * 7 + i / 251) as u8;
    make_file(b"/shuffle", SHUFFLE_LEN, start);
    // SAFETY: the only reference to SHADOW.
    let shadow = unsafe { &mut *SHADOW.0.get() };
    for (i, b) in shadow.iter_mut().enumerate() {
        *b = start(i);
    }
    let fd = check(open(b"/shuffle", O_RDWR), "open");
    let p = map_at(
        ACTUAL,
        SHUFFLE_LEN,
        PROT_READ | PROT_WRITE,
        SHARED_RW,
        fd,
        0,
    );
    let mut x: u32 = 0x5EED_0001;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let (i, j) = (
            (x & 0xFFFF) as usize % SHUFFLE_LEN,
            (x >> 16) as usize % SHUFFLE_LEN,
        );
        let (a, b) = (peek(p + i), peek(p + j));
        poke(p + i, b);
        poke(p + j, a);
        shadow.swap(i, j);
    }
    check(munmap(p, SHUFFLE_LEN), "munmap");
    check(close(fd), "close");
    if !file_is(b"/shuffle", SHUFFLE_LEN, |i| shadow[i]) {
        panic!("mmap-shuffle: the file is not the shuffle");
    }
    check(remove(b"/shuffle"), "remove");
    say("mmap-shuffle", "10000 swaps in 64 KB, the file matches");
}

fn mmap_bad_fd() {
    refused(
        "mmap-bad-fd",
        "fd 0x5555",
        mmap(ACTUAL, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0x5555, 0),
    );
    refused(
        "mmap-bad-fd",
        "fd 20, not open",
        mmap(ACTUAL, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, 20, 0),
    );
    let cons = check(jos::opencons(), "opencons");
    refused(
        "mmap-bad-fd",
        "the console",
        mmap(ACTUAL, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, cons, 0),
    );
    check(close(cons), "close");
}

/// A mapping nobody writes leaves the file as others wrote it.
fn mmap_clean() {
    let fd = open_sample(O_RDWR);
    let p = map_at(ACTUAL, SAMPLE_LEN, PROT_READ | PROT_WRITE, SHARED_RW, fd, 0);
    if !memory_is(p, SAMPLE_LEN, sample) {
        panic!("mmap-clean: wrong contents");
    }
    check(seek(fd, 0), "seek");
    check(write(fd, b"CHANGED"), "write");
    let changed = |i: usize| if i < 7 { b"CHANGED"[i] } else { sample(i) };
    if !memory_is(p, SAMPLE_LEN, changed) {
        panic!("mmap-clean: the mapping does not show the write");
    }
    check(munmap(p, SAMPLE_LEN), "munmap");
    if !file_is(SAMPLE, SAMPLE_LEN, changed) {
        panic!("mmap-clean: munmap undid the write");
    }
    check(seek(fd, 0), "seek");
    check(write(fd, b"abcdefg"), "write");
    check(close(fd), "close");
    say(
        "mmap-clean",
        "an unwritten mapping leaves the file as written()",
    );
}

fn mmap_inherit() {
    let fd = open_sample(O_RDWR);
    let shared = map_at(ACTUAL, SAMPLE_LEN, PROT_READ | PROT_WRITE, SHARED_RW, fd, 0);
    let private = map_at(
        ACTUAL + P,
        SAMPLE_LEN,
        PROT_READ | PROT_WRITE,
        MAP_PRIVATE,
        fd,
        0,
    );
    check(close(fd), "close");
    let child = check(fork(), "fork");
    if child == 0 {
        poke(shared, b'S');
        poke(private, b'P');
        jos::exit();
    }
    wait(child);
    if peek(shared) != b'S' || peek(private) != b'S' {
        panic!("mmap-inherit: the child's stores went to the wrong places");
    }
    poke(shared, sample(0));
    check(munmap(ACTUAL, 2 * P), "munmap");
    say(
        "mmap-inherit",
        "fork: the child's shared store is ours, its private one not",
    );
}

struct Data(UnsafeCell<[u8; 8]>);
// SAFETY: never referenced; only its address is used.
unsafe impl Sync for Data {}
static DATA: Data = Data(UnsafeCell::new([1; 8]));

fn bad_places() {
    let fd = open_sample(O_RDONLY);
    let at = |va: usize, len: usize| mmap(va, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    refused("mmap-misalign", "10000234", at(ACTUAL + 0x234, P));
    refused("mmap-null", "address 0", at(0, P));
    refused("mmap-over-code", "UTEXT", at(UTEXT as usize, P));
    refused(
        "mmap-over-data",
        "a static's page",
        at(DATA.0.get() as usize & !(P - 1), P),
    );
    refused(
        "mmap-over-stk",
        "the stack's page",
        at(USTACKTOP as usize - P, P),
    );
    refused("mmap-kernel", "UTOP", at(UTOP as usize, P));
    refused("mmap-kernel", "KERNBASE", at(KERNBASE as usize, P));
    refused(
        "mmap-kernel",
        "across UTOP",
        at(UTOP as usize - 0x20_0000, 0x40_0000),
    );
    refused("mmap-zero-len", "length 0", at(ACTUAL, 0));
    refused(
        "mmap-bad-off",
        "offset 1234",
        mmap(ACTUAL, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 1234),
    );
    check(close(fd), "close");
    make_file(b"/empty", 0, |_| 0);
    let fd = check(open(b"/empty", O_RDONLY), "open");
    refused(
        "mmap-zero",
        "an empty file",
        mmap(ACTUAL, P, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0),
    );
    check(close(fd), "close");
    check(remove(b"/empty"), "remove");
}

/// After remove, pages faulted in stay readable and keep their contents
/// even when the blocks go to a new file; a page never touched cannot be
/// read any more (JOS's file system frees a removed file at once).
fn mmap_remove() {
    make_file(b"/doomed", 2 * P, sample);
    let fd = check(open(b"/doomed", O_RDONLY), "open");
    let p = map_at(ACTUAL, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    check(close(fd), "close");
    if !memory_is(p, P, sample) {
        panic!("mmap-remove: wrong contents");
    }
    check(remove(b"/doomed"), "remove");
    make_file(b"/reborn", 8 * P, |_| b'Q');
    if !memory_is(p, P, sample) || !file_is(b"/reborn", 8 * P, |_| b'Q') {
        panic!("mmap-remove: the mapping and the new file mixed");
    }
    say(
        "mmap-remove",
        "a page read before remove still reads the same",
    );
    child_dies_at(ACTUAL + P, |_| {}, false, "mmappintos: mmap-remove");
    check(munmap(p, 2 * P), "munmap");
    check(remove(b"/reborn"), "remove");
}

fn mmap_off() {
    make_file(b"/offset", 3 * P, |i| (i / P) as u8 + b'0');
    let fd = check(open(b"/offset", O_RDONLY), "open");
    let p = map_at(ACTUAL, 2 * P, PROT_READ, MAP_PRIVATE, fd, P as i32);
    if !memory_is(p, 2 * P, |i| (i / P) as u8 + b'1') {
        panic!("mmap-off: wrong contents");
    }
    check(munmap(p, 2 * P), "munmap");
    check(close(fd), "close");
    check(remove(b"/offset"), "remove");
    say(
        "mmap-off",
        "from offset 4096: the file's second and third pages",
    );
}

fn map_read_only(va: usize) {
    let fd = open_sample(O_RDWR);
    map_at(va, SAMPLE_LEN, PROT_READ, MAP_SHARED, fd, 0);
    if peek(va) != sample(0) {
        panic!("mmap-ro: wrong contents");
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    make_file(SAMPLE, SAMPLE_LEN, sample);
    let me = envx(sys_getenvid());
    let pages = env_mem(me).em_pages;
    mmap_read();
    mmap_close();
    child_dies_at(ACTUAL, map_and_unmap, false, "mmappintos: mmap-unmap");
    mmap_overlap();
    mmap_twice();
    mmap_write();
    mmap_exit();
    mmap_shuffle();
    mmap_bad_fd();
    mmap_clean();
    mmap_inherit();
    bad_places();
    mmap_remove();
    mmap_off();
    child_dies_at(ACTUAL, map_read_only, true, "mmappintos: mmap-ro");
    if !file_is(SAMPLE, SAMPLE_LEN, sample) {
        panic!("mmap-ro: the file changed");
    }
    check(remove(SAMPLE), "remove");
    check(jos::sync(), "sync");
    let now = env_mem(me).em_pages;
    cprintf!(
        "mmappintos: pages mapped before the cases %u, after %u\n",
        pages,
        now
    );
    cprintf!("mmappintos: done\n");
}
