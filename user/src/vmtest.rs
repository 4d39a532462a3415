//! Helpers the issue-9 (virtual memory) test programs share.
#![allow(dead_code)] // each program uses some of these

use inc::env::{envx, EnvId, ENV_FREE};
use inc::memlayout::{PGSIZE, PTSIZE};
use inc::mmu::{pte_addr, round_up};
use jos::fork::uvpt;
use jos::{envs, sbrk, sys_yield};

/// Reads the word at `va` (which may fault it in).
pub fn peek(va: u32) -> u32 {
    // SAFETY: the tests only read heap and stack pages, which the
    // library's fault policy maps on demand.
    unsafe { core::ptr::read_volatile(va as *const u32) }
}

/// Writes `value` at `va` (which may fault it in).
pub fn poke(va: u32, value: u32) {
    // SAFETY: as for peek; no Rust object lives in these raw heap pages.
    unsafe { core::ptr::write_volatile(va as *mut u32, value) }
}

/// The frame mapped at `va`, if any.
pub fn frame(va: u32) -> Option<u32> {
    uvpt(va).map(pte_addr)
}

/// Moves the break to the next 4 MB boundary and then grows it by `pages`
/// pages; returns the start of those pages. Starting on a boundary makes
/// the number of page tables a test needs exact.
pub fn heap_pages(pages: u32) -> u32 {
    let brk = sbrk(0).expect("sbrk(0)");
    let start = round_up(brk, PTSIZE);
    sbrk((start - brk) as i32).expect("sbrk to a 4 MB boundary");
    sbrk((pages * PGSIZE) as i32).expect("sbrk");
    start
}

/// Yields until `child` is gone.
pub fn wait(child: EnvId) {
    loop {
        let e = envs(envx(child));
        if e.env_id != child || e.env_status == ENV_FREE {
            return;
        }
        sys_yield();
    }
}

/// Pages of the normal stack: the run of mapped pages ending at USTACKTOP.
pub fn stack_pages() -> u32 {
    let mut n = 0;
    while uvpt(inc::memlayout::USTACKTOP - (n + 1) * PGSIZE).is_some() {
        n += 1;
    }
    n
}
