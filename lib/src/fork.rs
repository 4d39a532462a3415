//! `fork` (copy-on-write) and `sfork` (shared memory), built in user space
//! from `sys_exofork`, `sys_page_map` and the page-fault upcall.
//!
//! The program's own page tables are readable at UVPT (the page directory
//! mapped as a page table), so walking our address space needs no system
//! call: `uvpd(pdx)` is a page-directory entry, `uvpt(pgnum)` a PTE.

use crate::cow::{page_mapping, PageMapping, Sharing, COW_PERM};
use crate::x86::first_nonzero;
use crate::{sys_env_destroy, sys_env_set_status, sys_exofork, sys_page_alloc};
use crate::{sys_page_map_batch, UTrapframe};
use core::ops::Range;
use inc::env::{EnvId, ENV_RUNNABLE};
use inc::fd::{FDTABLE, FILEDATA};
use inc::memlayout::{PGSIZE, PTSIZE, USTACKTOP, UTOP, UVPD, UVPT, UXSTACKTOP};
use inc::mmu::{pdx, pgnum, round_down, FEC_WR, PTE_COW, PTE_P, PTE_SYSCALL, PTE_U, PTE_W};
use inc::syscall::{batch_entry, BATCH_SRC_TOO};

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

/// Replaces our mapping of `page` by a writable private copy. One call
/// (RJOS's page_copy) where JOS allocates a zeroed scratch page at PFTEMP,
/// copies into it, maps it over `page` and unmaps PFTEMP.
fn make_private(page: u32) -> Result<(), i32> {
    // SAFETY: `page` keeps its contents, now writable; the read-only
    // mapping is only reached through raw pointers while it changes. With
    // memory full, another page is paged out first (swap.rs).
    let copy = || unsafe { crate::sys_page_copy(0, page, PTE_P | PTE_U | PTE_W) };
    crate::swap::retry_with_eviction(page, copy)
}

/// Pages gathered for one batched call (RJOS's syscall 18): the child's
/// mappings, each copy-on-write one flagged BATCH_SRC_TOO so that our own
/// mapping becomes copy-on-write in the same step. Kept small: it lives on
/// the stack, which may be one page.
const BATCH: usize = 64;

struct Batch {
    child: EnvId,
    to_child: [u32; BATCH],
    n_child: usize,
}

impl Batch {
    fn new(child: EnvId) -> Batch {
        Batch {
            child,
            to_child: [0; BATCH],
            n_child: 0,
        }
    }

    /// Adds our page at `va` (with PTE `pte`), following the rule in
    /// `cow.rs`; sends the batch when it is full.
    fn add(&mut self, va: u32, pte: u32, how: Sharing) -> Result<(), i32> {
        match page_mapping(pte, how) {
            PageMapping::Share(perm) => self.push_child(batch_entry(va, perm)),
            PageMapping::CopyOnWrite => {
                // Already copy-on-write with exactly these rights: ours stays.
                let ours = if pte & PTE_SYSCALL != COW_PERM {
                    BATCH_SRC_TOO
                } else {
                    0
                };
                self.push_child(batch_entry(va, COW_PERM | ours));
            }
            PageMapping::PrivatizeThenShare => {
                make_private(va)?;
                self.push_child(batch_entry(va, PTE_P | PTE_U | PTE_W));
            }
        }
        if self.n_child == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds every mapped page of `range` (page-aligned) but the exception
    /// stack, in address order; pages of `stack` become copy-on-write
    /// whatever `how` says.
    fn add_range(
        &mut self,
        range: Range<u32>,
        stack: &Range<u32>,
        how: Sharing,
    ) -> Result<(), i32> {
        let mut table_va = round_down(range.start, PTSIZE);
        while table_va < range.end {
            if uvpd(table_va) & PTE_P != 0 {
                self.add_table(table_va, &range, stack, how)?;
            }
            table_va += PTSIZE; // below UTOP: cannot wrap
        }
        Ok(())
    }

    /// `add_range` within the page table that maps `table_va`.
    fn add_table(
        &mut self,
        table_va: u32,
        range: &Range<u32>,
        stack: &Range<u32>,
        how: Sharing,
    ) -> Result<(), i32> {
        // The page table, readable through the self-map at UVPT since the
        // directory entry is present. Only raw reads: our own system calls
        // change its entries as we go.
        let table = (UVPT as *const u32).wrapping_add(pgnum(table_va));
        let first = (range.start.max(table_va) - table_va) as usize / PGSIZE as usize;
        let end = ((range.end - table_va).min(PTSIZE) / PGSIZE) as usize;
        // SAFETY (for the scans and the reads below): index i < end <=
        // NPTENTRIES stays inside the table.
        let next_from = |i: usize| i + unsafe { first_nonzero(table.add(i), end - i) };
        let mut i = next_from(first);
        while i < end {
            let va = table_va + i as u32 * PGSIZE;
            // SAFETY: as above.
            let pte = unsafe { core::ptr::read_volatile(table.add(i)) };
            if pte & PTE_P != 0 && va != UXSTACKTOP - PGSIZE {
                let page_how = if stack.contains(&va) {
                    Sharing::CopyOnWrite
                } else {
                    how
                };
                self.add(va, pte, page_how)?;
            }
            i = next_from(i + 1);
        }
        Ok(())
    }

    fn push_child(&mut self, entry: u32) {
        self.to_child[self.n_child] = entry;
        self.n_child += 1;
    }

    /// Maps the gathered pages into the child and re-protects ours, in one
    /// call: the kernel changes both sides of a page at once, so no write
    /// of ours can come between (the child must see the original).
    fn flush(&mut self) -> Result<(), i32> {
        // SAFETY: mapping into the child does not touch our memory;
        // re-protecting our own pages keeps their frames and contents.
        unsafe { sys_page_map_batch(0, self.child, &self.to_child[..self.n_child])? };
        self.n_child = 0;
        Ok(())
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
    let mut batch = Batch::new(child);
    // The fd pages go last, after the pipe data pages in the fd data
    // windows above them: a pipe end's fd page must never have more
    // mappings than its data page (pipe.rs). Batches are applied in order.
    batch.add_range(0..FDTABLE, &stack, how)?;
    batch.add_range(FILEDATA..UTOP, &stack, how)?;
    batch.add_range(FDTABLE..FILEDATA, &stack, how)?;
    batch.flush()?;
    // SAFETY: these only change the child's address space and upcall.
    unsafe {
        sys_page_alloc(child, UXSTACKTOP - PGSIZE, PTE_P | PTE_U | PTE_W)?;
        crate::sys_env_set_pgfault_upcall(child, crate::pgfault::pgfault_upcall_addr())?;
    }
    crate::swap::share_with_child(child)?;
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
