//! What the mmap tests (mmaptest, mmappintos, mmapkill, benchmmap) share:
//! making files with known contents, reading them back through the fd
//! layer, and touching mapped memory through raw pointers.
//!
//! Included with `#[path = "../mmapfile.rs"] mod mmapfile;`.
#![allow(dead_code)] // each program uses a different part

use inc::fs::{O_CREAT, O_RDONLY, O_RDWR, O_TRUNC};
use inc::memlayout::PGSIZE;
use jos::{close, cprintf, fork, open, panic, readn, wait, write};

/// Dies naming `what` if `r` is an error.
pub fn check<T>(r: Result<T, i32>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("%s: %e", what, e))
}

/// Creates (or truncates) `path` with `len` bytes, byte i being `fill(i)`.
pub fn make_file(path: &[u8], len: usize, fill: impl Fn(usize) -> u8) {
    let fd = check(open(path, O_RDWR | O_CREAT | O_TRUNC), "create");
    let mut buf = [0u8; 512];
    let mut done = 0;
    while done < len {
        let n = buf.len().min(len - done);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = fill(done + i);
        }
        check(write(fd, &buf[..n]), "write");
        done += n;
    }
    check(close(fd), "close");
}

/// Whether the file at `path` holds exactly `len` bytes, byte i `want(i)`.
pub fn file_is(path: &[u8], len: usize, want: impl Fn(usize) -> u8) -> bool {
    let fd = check(open(path, O_RDONLY), "open");
    let mut buf = [0u8; 512];
    let mut done = 0;
    let mut same = true;
    loop {
        let n = check(readn(fd, &mut buf), "read");
        if n == 0 {
            break;
        }
        same &= buf[..n]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == want(done + i));
        done += n;
    }
    let _ = close(fd);
    same && done == len
}

pub fn peek(va: usize) -> u8 {
    // SAFETY: a test's probe of mapped memory: it faults the page in, or
    // faults for good if the test expects that.
    unsafe { core::ptr::read_volatile(va as *const u8) }
}

pub fn poke(va: usize, b: u8) {
    // SAFETY: as for `peek`.
    unsafe { core::ptr::write_volatile(va as *mut u8, b) }
}

/// Whether the `len` bytes at `va` are `want(i)`.
pub fn memory_is(va: usize, len: usize, want: impl Fn(usize) -> u8) -> bool {
    (0..len).all(|i| peek(va + i) == want(i))
}

pub fn fill_memory(va: usize, len: usize, b: u8) {
    for i in 0..len {
        poke(va + i, b);
    }
}

/// A child that touches `va` after `setup`, which the kernel must kill.
pub fn child_dies_at(va: usize, setup: fn(usize), write: bool, what: &str) {
    let child = check(fork(), "fork");
    if child == 0 {
        // fork's copy-on-write handler would end us with a user panic; the
        // kernel's report is the one we want.
        jos::set_pgfault_handler(to_kernel);
        setup(va);
        cprintf!("%s: child touches %08x\n", what, va);
        if write {
            poke(va, b'X');
        } else {
            peek(va);
        }
        panic!("%s: the access did not fault", what);
    }
    wait(child);
}

/// fork's copy-on-write, but a fault that is not a copy-on-write write
/// goes to the kernel (with the upcall gone, the retried access faults
/// again and the kernel reports it) instead of ending in a user panic.
pub fn to_kernel(utf: &jos::UTrapframe) {
    use inc::memlayout::PFTEMP;
    use inc::mmu::{round_down, FEC_WR, PTE_COW, PTE_P, PTE_U, PTE_W};
    let page = round_down(utf.utf_fault_va, PGSIZE);
    let cow = jos::fork::uvpt(page).is_some_and(|pte| pte & PTE_COW != 0);
    let rw = PTE_P | PTE_U | PTE_W;
    // SAFETY: a private copy of our own copy-on-write page through the
    // scratch page PFTEMP; or we only stop taking upcalls.
    unsafe {
        if utf.utf_err & FEC_WR != 0 && cow && jos::sys_page_alloc(0, PFTEMP, rw).is_ok() {
            jos::x86::copy_words(PFTEMP as *mut u32, page as *const u32, PGSIZE as usize / 4);
            let _ = jos::sys_page_map(0, PFTEMP, 0, page, rw);
            let _ = jos::sys_page_unmap(0, PFTEMP);
        } else {
            let _ = jos::sys_env_set_pgfault_upcall(0, 0);
        }
    }
}
