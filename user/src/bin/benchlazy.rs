//! benchlazy: what the library's lazy-memory policy costs per fault
//! (issue 9): a read of an untouched heap page (maps the zero page), a
//! write to a page that reads mapped to the zero page (gets a private
//! page), a write to an untouched heap page, and one page of stack growth.
//! Page tables are made before timing, so each figure is one fault.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::arch::asm;
use inc::memlayout::PGSIZE;
use jos::x86::rdtsc;
use jos::{cprintf, sbrk};
use vmtest::{heap_pages, peek, poke, stack_pages};

const PAGES: u32 = 256;

/// Average cost of `op(page)` over PAGES pages of `base`.
fn per_page(base: u32, op: fn(u32)) -> u64 {
    let start = rdtsc();
    for i in 0..PAGES {
        op(base + i * PGSIZE);
    }
    (rdtsc() - start) / u64::from(PAGES)
}

fn read(va: u32) {
    peek(va);
}

fn write(va: u32) {
    poke(va, va);
}

/// Grows the stack by `pages` pages, one fault each: esp steps down a page
/// at a time and the word at esp is written.
#[inline(never)]
fn grow_stack(pages: u32) -> u64 {
    let start = rdtsc();
    // SAFETY: esp is saved and restored; the pages written lie below every
    // live frame, and the library maps them (a write at esp is growth).
    unsafe {
        asm!(
            "mov {saved}, esp",
            "2:",
            "sub esp, 4096",
            "mov dword ptr [esp], 0",
            "dec {n:e}",
            "jnz 2b",
            "mov esp, {saved}",
            saved = out(reg) _,
            n = inout(reg) pages => _,
        );
    }
    (rdtsc() - start) / u64::from(pages)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // One page more than measured, touched first, so the page table exists.
    let base = heap_pages(2 * PAGES + 1);
    poke(base + 2 * PAGES * PGSIZE, 1);
    let zero_read = per_page(base, read);
    let zero_to_private = per_page(base, write);
    let untouched_write = per_page(base + PAGES * PGSIZE, write);
    let _ = sbrk(-(((2 * PAGES + 1) * PGSIZE) as i32));

    // The stack's page table exists already; grow by 128 pages (512 KB).
    let pages = 128;
    let before = stack_pages();
    let stack = grow_stack(pages);
    if stack_pages() != before + pages {
        jos::panic!(
            "the stack grew by %u pages, not %u",
            stack_pages() - before,
            pages
        );
    }

    cprintf!("BENCH lazy_zero_read %llu insns\n", zero_read);
    cprintf!(
        "BENCH lazy_zero_to_private_write %llu insns\n",
        zero_to_private
    );
    cprintf!("BENCH lazy_untouched_write %llu insns\n", untouched_write);
    cprintf!("BENCH stack_growth %llu insns\n", stack);
}
