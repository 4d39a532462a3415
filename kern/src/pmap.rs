//! Physical page allocator and page tables (JOS lab 2).
//!
//! STUB: the public API below is the contract other modules code against;
//! the bodies are being written.

use crate::addr::{PhysAddr, VirtAddr};

/// JOS's `struct PageInfo`, mapped read-only at UPAGES (8 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PageInfo {
    /// Kernel virtual address of the next free PageInfo (0 = none).
    pub pp_link: u32,
    pub pp_ref: u16,
    pub pad: u16,
}

/// A page directory, named by its kernel virtual address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgDir(pub VirtAddr);

impl PgDir {
    pub fn pa(self) -> PhysAddr {
        self.0
            .kva_to_pa()
            .expect("page directories live in the direct map")
    }
}

/// Sets up the kernel's address space and runs the lab-2 self-checks
/// (unless the command line says `nocheck`). Called once by `i386_init`.
pub fn mem_init() {
    todo!()
}

/// The kernel's page directory.
pub fn kern_pgdir() -> PgDir {
    todo!()
}

/// A free frame, zeroed if `zero`; its refcount is left at 0 (the caller's
/// mapping raises it). `None` when memory is exhausted.
pub fn page_alloc(zero: bool) -> Option<PhysAddr> {
    let _ = zero;
    todo!()
}

/// Returns a frame whose refcount is 0 to the free list.
pub fn page_free(pa: PhysAddr) {
    let _ = pa;
    todo!()
}

/// Drops one reference; frees the frame when none are left.
pub fn page_decref(pa: PhysAddr) {
    let _ = pa;
    todo!()
}

pub fn page_incref(pa: PhysAddr) {
    let _ = pa;
    todo!()
}

pub fn page_refcount(pa: PhysAddr) -> u16 {
    let _ = pa;
    todo!()
}

/// Number of frames on the free list (leak checks compare it before and after).
pub fn free_page_count() -> usize {
    todo!()
}

/// Number of physical frames managed.
pub fn npages() -> usize {
    todo!()
}

/// The page-table entry for `va` in `pgdir`, creating the page table if
/// `create` (`None` if absent and not created, or out of memory). For a 4 MB
/// mapping this is the page-directory entry itself.
pub fn pgdir_walk(pgdir: PgDir, va: u32, create: bool) -> Option<&'static mut u32> {
    let _ = (pgdir, va, create);
    todo!()
}

/// Maps frame `pa` at `va` with `perm | PTE_P`, replacing (and releasing)
/// whatever was there. Re-inserting the same frame at the same place only
/// changes the permissions. `Err(-E_NO_MEM)` if a page table is needed and
/// none can be allocated.
pub fn page_insert(pgdir: PgDir, pa: PhysAddr, va: u32, perm: u32) -> Result<(), i32> {
    let _ = (pgdir, pa, va, perm);
    todo!()
}

/// The frame mapped at `va` and its page-table entry.
pub fn page_lookup(pgdir: PgDir, va: u32) -> Option<(PhysAddr, u32)> {
    let _ = (pgdir, va);
    todo!()
}

/// Unmaps `va` (silently does nothing if unmapped).
pub fn page_remove(pgdir: PgDir, va: u32) {
    let _ = (pgdir, va);
    todo!()
}

/// Drops the TLB entry for `va` if `pgdir` is the one loaded on this CPU.
pub fn tlb_invalidate(pgdir: PgDir, va: u32) {
    let _ = (pgdir, va);
    todo!()
}

/// Reserves `size` bytes in the MMIO window and maps physical `pa` there
/// uncached; returns the virtual address.
pub fn mmio_map_region(pa: PhysAddr, size: u32) -> VirtAddr {
    let _ = (pa, size);
    todo!()
}

/// A new page directory for a user environment: the kernel's mappings above
/// UTOP shared, nothing below, UVPT mapping the directory itself read-only.
/// Err(-E_NO_MEM).
pub fn pgdir_create() -> Result<PgDir, i32> {
    todo!()
}

/// Releases every user page (below UTOP), every page table and the directory.
/// Must not be the directory loaded on this CPU.
pub fn pgdir_free(pgdir: PgDir) {
    let _ = pgdir;
    todo!()
}

/// Checks that [va, va+len) is mapped in `pgdir` with `perm | PTE_P` and lies
/// below ULIM. `Err(first_bad_va)` otherwise (JOS's user_mem_check).
pub fn user_mem_check(pgdir: PgDir, va: u32, len: u32, perm: u32) -> Result<(), u32> {
    let _ = (pgdir, va, len, perm);
    todo!()
}

/// Kernel address of the `Env` array (NENV entries) mapped at UENVS.
pub fn envs_kva() -> VirtAddr {
    todo!()
}

/// Top of CPU `cpu`'s kernel stack in the KSTACKTOP area.
pub fn kstack_top(cpu: usize) -> u32 {
    inc::memlayout::KSTACKTOP - cpu as u32 * (inc::memlayout::KSTKSIZE + inc::memlayout::KSTKGAP)
}
