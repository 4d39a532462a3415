//! `fork` (copy-on-write) and `sfork` (shared memory), built in user space
//! from `sys_exofork`, `sys_page_map` and the page-fault upcall.
//!
//! The program's own page tables are readable at UVPT (the page directory
//! mapped as a page table), so walking our address space needs no system
//! call: `uvpd(pdx)` is a page-directory entry, `uvpt(pgnum)` a PTE.

use crate::cow::{page_mapping, PageMapping, Sharing, COW_PERM};
use crate::{sys_env_destroy, sys_env_set_status, sys_exofork, sys_page_alloc, sys_page_map};
use crate::{sys_page_unmap, UTrapframe};
use inc::env::{EnvId, ENV_RUNNABLE};
use inc::fd::{FDTABLE, FILEDATA};
use inc::memlayout::{PFTEMP, PGSIZE, PTSIZE, USTACKTOP, UTOP, UVPD, UVPT, UXSTACKTOP};
use inc::mmu::{pdx, pgnum, round_down, FEC_WR, PTE_COW, PTE_P, PTE_U, PTE_W};

/// The page-directory entry covering `va`, read through the self-map.
pub fn uvpd(va: u32) -> u32 {
    // SAFETY: the kernel maps our page directory read-only at UVPD.
    unsafe { core::ptr::read_volatile((UVPD as *const u32).add(pdx(va))) }
}

/// The page-table entry of `va` if the page is mapped, else `None`.
pub fn uvpt(va: u32) -> Option<u32> {
    if uvpd(va) & PTE_P == 0 {
        return None;
    }
    // SAFETY: the directory entry is present, so its page table is
    // readable through the self-map at UVPT.
    let pte = unsafe { core::ptr::read_volatile((UVPT as *const u32).add(pgnum(va))) };
    (pte & PTE_P != 0).then_some(pte)
}

/// The page-fault handler behind `fork`: a write to a copy-on-write page
/// gets a private, writable copy of that page.
fn cow_fault(utf: &UTrapframe) {
    let va = utf.utf_fault_va;
    let is_cow = uvpt(va).is_some_and(|pte| pte & PTE_COW != 0);
    if utf.utf_err & FEC_WR == 0 || !is_cow {
        crate::panic!(
            "page fault at va %08x ip %08x err %x is not a copy-on-write write",
            va,
            utf.utf_eip,
            utf.utf_err
        );
    }
    if let Err(e) = make_private(round_down(va, PGSIZE)) {
        crate::panic!("copy-on-write at %08x: %e", va, e);
    }
}

/// Replaces our mapping of `page` by a writable private copy, using the
/// scratch page PFTEMP.
fn make_private(page: u32) -> Result<(), i32> {
    let rw = PTE_P | PTE_U | PTE_W;
    // SAFETY: PFTEMP is reserved for this copy; nothing else lives there.
    unsafe { sys_page_alloc(0, PFTEMP, rw)? };
    // SAFETY: both pages are mapped and readable, PFTEMP writable, and
    // distinct; the copy happens through raw pointers only.
    unsafe {
        core::ptr::copy_nonoverlapping(page as *const u8, PFTEMP as *mut u8, PGSIZE as usize);
    }
    // SAFETY: `page` gets the same contents back, now writable; the old
    // read-only mapping is not referenced by Rust code during the swap.
    unsafe {
        sys_page_map(0, PFTEMP, 0, page, rw)?;
        sys_page_unmap(0, PFTEMP)
    }
}

/// Maps our page at `va` (with PTE `pte`) into `child`, following the
/// rule in `cow.rs`.
fn duppage(child: EnvId, va: u32, pte: u32, how: Sharing) -> Result<(), i32> {
    // SAFETY (for the calls below): mapping into the child does not touch
    // our memory; remapping our own page keeps the same frame and contents,
    // only with other permissions.
    unsafe {
        match page_mapping(pte, how) {
            PageMapping::Share(perm) => sys_page_map(0, va, child, va, perm),
            PageMapping::CopyOnWrite => {
                // Child first: once our own mapping is read-only, our next
                // write copies the page, and the child must see the original.
                sys_page_map(0, va, child, va, COW_PERM)?;
                sys_page_map(0, va, 0, va, COW_PERM)
            }
            PageMapping::PrivatizeThenShare => {
                make_private(va)?;
                sys_page_map(0, va, child, va, PTE_P | PTE_U | PTE_W)
            }
        }
    }
}

/// The lowest address of the normal stack: the run of mapped pages that
/// ends at USTACKTOP.
fn stack_bottom() -> u32 {
    let mut bottom = USTACKTOP;
    while bottom > 0 && uvpt(bottom - PGSIZE).is_some() {
        bottom -= PGSIZE;
    }
    bottom
}

/// Calls `f(va, pte)` for every mapped page in `range` (page-aligned),
/// in address order, stopping at the first error.
pub fn for_each_page(
    range: core::ops::Range<u32>,
    mut f: impl FnMut(u32, u32) -> Result<(), i32>,
) -> Result<(), i32> {
    let mut va = range.start;
    while va < range.end {
        if uvpd(va) & PTE_P == 0 {
            va = round_down(va, PTSIZE) + PTSIZE; // a whole page table is absent
            continue;
        }
        if let Some(pte) = uvpt(va) {
            f(va, pte)?;
        }
        va += PGSIZE;
    }
    Ok(())
}

/// Gives `child` our address space (as `how` says), its own exception
/// stack and our upcall, then lets it run. Kept out of line so that `fork`'s
/// own frame, which the child resumes in, stays small and untouched.
#[inline(never)]
fn setup_child(child: EnvId, how: Sharing) -> Result<(), i32> {
    let stack = stack_bottom()..USTACKTOP;
    // The fd pages go last, after the pipe data pages in the fd data
    // windows above them: a pipe end's fd page must never have more
    // mappings than its data page (pipe.rs).
    let fd_table = FDTABLE..FILEDATA;
    for_each_page(0..UTOP, |va, pte| {
        if va == UXSTACKTOP - PGSIZE || fd_table.contains(&va) {
            return Ok(());
        }
        let page_how = if stack.contains(&va) {
            Sharing::CopyOnWrite
        } else {
            how
        };
        duppage(child, va, pte, page_how)
    })?;
    for_each_page(fd_table, |va, pte| duppage(child, va, pte, how))?;
    // SAFETY: these only change the child's address space and upcall.
    unsafe {
        sys_page_alloc(child, UXSTACKTOP - PGSIZE, PTE_P | PTE_U | PTE_W)?;
        crate::sys_env_set_pgfault_upcall(child, crate::pgfault::pgfault_upcall_addr())?;
    }
    sys_env_set_status(child, ENV_RUNNABLE)
}

/// Creates a child with its own copy-on-write copy of our memory.
/// Returns the child's envid in the parent and 0 in the child.
pub fn fork() -> Result<EnvId, i32> {
    spawn_child(Sharing::CopyOnWrite)
}

/// Like [`fork`], but the child shares all our memory except the stack,
/// which is copy-on-write: globals written by one are seen by the other.
pub fn sfork() -> Result<EnvId, i32> {
    spawn_child(Sharing::Shared)
}

#[inline(always)]
fn spawn_child(how: Sharing) -> Result<EnvId, i32> {
    crate::set_pgfault_handler(cow_fault);
    let child = sys_exofork()?;
    if child == 0 {
        // The child: `thisenv()` is computed afresh, so nothing to fix up.
        return Ok(0);
    }
    if let Err(e) = setup_child(child, how) {
        // Free the half-built child and every page it was given.
        let _ = sys_env_destroy(child);
        return Err(e);
    }
    Ok(child)
}
