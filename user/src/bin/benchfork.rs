//! benchfork: the cost of a copy-on-write fork of an environment with
//! 256 extra mapped, touched pages (measured in the parent, from the call
//! until fork returns), and of the child's first write to one of them
//! (the copy-on-write fault: trap, upcall, copy, remap, resume).
//!
//! Then it checks the result: the child sees every page's value, its write
//! stays its own, and the parent's pages are unchanged.
#![no_std]
#![no_main]

use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::x86::rdtsc;
use jos::{cprintf, exit, fork, ipc_recv, ipc_send, panic, sys_page_alloc};

const PAGES: u32 = 256;
/// An unused stretch of address space for the test pages.
const REGION: u32 = 0x1000_0000;
/// What the child writes into the first page.
const CHILD_MARK: u32 = 0xC0FF_EE00;

fn page(i: u32) -> *mut u32 {
    (REGION + i * PGSIZE) as *mut u32
}

/// Pages (other than the first) whose value is not their index.
fn wrong_pages() -> u32 {
    // SAFETY: the region is mapped; it is only reached through raw pointers.
    (1..PAGES)
        .filter(|&i| unsafe { core::ptr::read_volatile(page(i)) } != i)
        .count() as u32
}

fn child(parent: i32) -> ! {
    let start = rdtsc();
    // SAFETY: the page is mapped copy-on-write; the write faults and the
    // fork library gives us a private copy.
    unsafe { core::ptr::write_volatile(page(0), CHILD_MARK) };
    let cost = rdtsc() - start;
    cprintf!("BENCH cow_first_write %llu insns\n", cost);
    // SAFETY: as above.
    let mine = unsafe { core::ptr::read_volatile(page(0)) };
    let wrong = wrong_pages() + u32::from(mine != CHILD_MARK);
    ipc_send(parent, wrong, None, 0);
    exit();
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    for i in 0..PAGES {
        // SAFETY: the region is unused and reached only through raw pointers.
        unsafe {
            if let Err(e) = sys_page_alloc(0, REGION + i * PGSIZE, PTE_P | PTE_U | PTE_W) {
                panic!("sys_page_alloc: %e", e);
            }
            core::ptr::write_volatile(page(i), i);
        }
    }
    let parent = jos::sys_getenvid();
    let start = rdtsc();
    let id = match fork() {
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    if id == 0 {
        child(parent);
    }
    let cost = rdtsc() - start;
    cprintf!("BENCH fork_256pages %llu insns\n", cost);
    let mut from = 0;
    let child_wrong = match ipc_recv(Some(&mut from), None, None) {
        Ok(n) => n,
        Err(e) => panic!("ipc_recv: %e", e),
    };
    // SAFETY: as in wrong_pages.
    let first = unsafe { core::ptr::read_volatile(page(0)) };
    if from != id || child_wrong != 0 || first != 0 || wrong_pages() != 0 {
        cprintf!(
            "benchfork: FAIL: child saw %u wrong pages, parent's first page holds %x\n",
            child_wrong,
            first
        );
    } else {
        cprintf!("benchfork: the child's pages and write are right\n");
    }
}
