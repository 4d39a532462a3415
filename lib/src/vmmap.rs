//! A program's view of its own address space: the walk `vmprint` does in
//! the kernel, done here through the read-only self-map (`uvpd`, `uvpt`),
//! printed in the same layout (`inc::vmrange`). Also the frame counts the
//! issue-9 tests assert, read from the PageInfo array at UPAGES.

use crate::fork::{uvpd, uvpt};
use crate::sys_getenvid;
use inc::memlayout::{PGSIZE, PTSIZE, UPAGES, UTOP};
use inc::mmu::PTE_P;
use inc::vmrange::{Merger, Range};

/// Prints `vmmap ENVID LABEL`, one line per range, and a summary line.
pub fn vmmap(label: &str) {
    let me = sys_getenvid();
    crate::cprintf!("vmmap %08x %s\n", me, label);
    let mut merger = Merger::new();
    let (mut pages, mut ranges, mut tables) = (0u32, 0u32, 0u32);
    let mut va = 0u32;
    while va < UTOP {
        if uvpd(va) & PTE_P == 0 {
            va += PTSIZE;
            continue;
        }
        tables += 1;
        for page in (va..va + PTSIZE).step_by(PGSIZE as usize) {
            if let Some(pte) = uvpt(page) {
                pages += 1;
                if let Some(r) = merger.push(page, pte) {
                    ranges += 1;
                    print_range(&r);
                }
            }
        }
        va += PTSIZE;
    }
    if let Some(r) = merger.finish() {
        ranges += 1;
        print_range(&r);
    }
    crate::cprintf!(
        "vmmap: %u pages in %u ranges, %u page tables\n",
        pages,
        ranges,
        tables
    );
}

/// One range, in the layout the kernel's `vmprint` uses.
fn print_range(r: &Range) {
    let mut buf = [0; inc::vmrange::LINE_MAX];
    crate::cprintf!("%s", r.line(&mut buf));
}

/// Bytes of one PageInfo (ABI.md): link @0, refcount u16 @4.
const PAGEINFO_SIZE: u32 = 8;

/// The number of PageInfo entries readable at UPAGES.
fn pageinfo_count() -> u32 {
    let mut va = UPAGES;
    while va < UPAGES + PTSIZE && uvpt(va).is_some() {
        va += PGSIZE;
    }
    (va - UPAGES) / PAGEINFO_SIZE
}

/// The reference count of frame `pa`, read from UPAGES.
pub fn frame_refs(pa: u32) -> u16 {
    let entry = UPAGES + (pa / PGSIZE) * PAGEINFO_SIZE;
    // SAFETY: the kernel maps the PageInfo array read-only at UPAGES and
    // every frame has an entry; the refcount is the u16 at offset 4.
    unsafe { core::ptr::read_volatile((entry + 4) as *const u16) }
}

/// Frames nobody references (free, or waiting to be freed). The count
/// includes a few never-used entries, so only differences mean anything.
pub fn unreferenced_frames() -> u32 {
    let n = pageinfo_count();
    (0..n).filter(|&i| frame_refs(i * PGSIZE) == 0).count() as u32
}

/// Page tables we have below UTOP.
pub fn page_tables() -> u32 {
    (0..UTOP / PTSIZE)
        .filter(|&i| uvpd(i * PTSIZE) & PTE_P != 0)
        .count() as u32
}
