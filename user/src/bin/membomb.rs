//! membomb: allocates pages until the kernel runs out of memory, which must
//! be a clean -E_NO_MEM; then, with memory still exhausted, creates envs
//! with exofork until that fails cleanly too. It destroys those and exits;
//! the grader's leak check sees every page (and page table) come back.
#![no_std]
#![no_main]

use inc::error::E_NO_MEM;
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::{cprintf, panic, sys_env_destroy, sys_exofork, sys_page_alloc, sys_yield};

/// Far from the program's own pages, with room for all of RAM below UTOP.
const FIRST: u32 = 0x1000_0000;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut va = FIRST;
    let err = loop {
        if va >= UTOP - PGSIZE {
            panic!("mapped everything below UTOP without running out");
        }
        // SAFETY: nothing of ours lives at or above FIRST.
        match unsafe { sys_page_alloc(0, va, PTE_P | PTE_U | PTE_W) } {
            Ok(()) => va += PGSIZE,
            Err(e) => break e,
        }
    };
    let n = (va - FIRST) / PGSIZE;
    cprintf!(
        "membomb: page_alloc failed with %e after %d pages\n",
        err,
        n
    );
    if err != -E_NO_MEM {
        panic!("page_alloc failed with an unexpected error %d", err);
    }
    exofork_until_no_memory();
    // The pages are real: the first and the last hold what we write.
    for at in [FIRST, va - PGSIZE] {
        // SAFETY: both pages were just mapped writable for us.
        unsafe { core::ptr::write_volatile(at as *mut u32, at) };
        // SAFETY: as above.
        if unsafe { core::ptr::read_volatile(at as *const u32) } != at {
            panic!("page at %08x does not hold what was written", at);
        }
    }
}

/// A new env needs a page directory: with memory gone, exofork must fail
/// with -E_NO_MEM (after using up whatever single pages were left).
fn exofork_until_no_memory() {
    let mut made = [0; 8];
    let mut n = 0;
    let err = loop {
        match sys_exofork() {
            Ok(0) => loop {
                sys_yield(); // never runnable, so never here
            },
            Ok(id) if n < made.len() => {
                made[n] = id;
                n += 1;
            }
            Ok(id) => panic!("exofork made %08x with no memory left", id),
            Err(e) => break e,
        }
    };
    cprintf!(
        "membomb: exofork failed with %e after %d more envs\n",
        err,
        n
    );
    if err != -E_NO_MEM {
        panic!("exofork failed with an unexpected error %d", err);
    }
    for &id in made[..n].iter() {
        if let Err(e) = sys_env_destroy(id) {
            panic!("destroying %08x: %e", id, e);
        }
    }
}
