//! The block cache: the disk mapped at DISKMAP, block b at
//! DISKMAP + b * BLKSIZE, filled on demand by our page-fault handler.
//!
//! A block is read from the disk the first time it is touched. The MMU
//! tells us the rest: the dirty bit says a block must be written back, the
//! accessed bit that it was used lately. Both are read from `uvpt` and
//! cleared by mapping the page onto itself (`sys_page_map` builds a fresh
//! entry). At most CACHE_BLOCKS blocks stay in memory: to make room, the
//! clock (`fs::clock`) picks a block not used lately, which is written back
//! if dirty and unmapped. So the file system runs in less memory than the
//! disk holds.
//!
//! Beyond JOS, a block's page may be lent to clients (`lend`, for mmap;
//! docs/mmap.md). While any other env maps it (its page's reference count,
//! read at UPAGES, is above 1) the block is pinned: the clock passes it
//! over, and a writable loan keeps it dirty, since the client's stores set
//! the dirty bit in the client's page table, not in ours.

use crate::ide;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use fs::clock::Clock;
use fs::fs::BlockDev;
use inc::error::E_NO_MEM;
use inc::fs::{BLKSECTS, BLKSIZE, DISKMAP, DISKSIZE};
use inc::mmu::{PTE_A, PTE_D, PTE_P, PTE_SYSCALL, PTE_U, PTE_W};
use jos::fork::uvpt;
use jos::pageref::pageref;
use jos::{panic, set_pgfault_handler, sys_page_alloc, sys_page_map, sys_page_unmap, UTrapframe};

/// Blocks the cache keeps in memory at most (4 MB).
pub const CACHE_BLOCKS: usize = 1024;

/// Blocks on the disk, once the superblock is known (0 before).
static NBLOCKS: AtomicU32 = AtomicU32::new(0);

/// The clock over resident blocks. Used by the fault handler and by sync;
/// the two never overlap (sync touches only resident blocks, which do not
/// fault), and `BUSY` turns any overlap into a panic instead of a race.
struct Resident(UnsafeCell<Clock<CACHE_BLOCKS>>);
// SAFETY: the FS env is single-threaded; `with_clock` excludes reentry.
unsafe impl Sync for Resident {}
static RESIDENT: Resident = Resident(UnsafeCell::new(Clock::new()));
static BUSY: AtomicBool = AtomicBool::new(false);

fn with_clock<R>(f: impl FnOnce(&mut Clock<CACHE_BLOCKS>) -> R) -> R {
    if BUSY.swap(true, Ordering::Acquire) {
        panic!("block cache entered twice");
    }
    // SAFETY: BUSY makes this the only live reference to the clock.
    let r = f(unsafe { &mut *RESIDENT.0.get() });
    BUSY.store(false, Ordering::Release);
    r
}

/// The address of block `b` in the cache.
pub fn diskaddr(b: u32) -> u32 {
    if b >= DISKSIZE / BLKSIZE as u32 {
        panic!("bad block number %08x in diskaddr", b);
    }
    DISKMAP + b * BLKSIZE as u32
}

pub fn is_mapped(b: u32) -> bool {
    uvpt(diskaddr(b)).is_some()
}

pub fn is_dirty(b: u32) -> bool {
    uvpt(diskaddr(b)).is_some_and(|pte| pte & PTE_D != 0)
}

/// Whether another env maps block `b`'s page (a loan for mmap).
pub fn is_lent(b: u32) -> bool {
    pageref(diskaddr(b)) > 1
}

/// Maps block `b`'s page onto itself: same frame and permissions, with the
/// accessed and dirty bits clear.
fn remap_clean(b: u32, pte: u32) {
    let va = diskaddr(b);
    // SAFETY: the same frame stays at `va`; no reference sees a change.
    if let Err(e) = unsafe { sys_page_map(0, va, 0, va, pte & PTE_SYSCALL) } {
        panic!("remapping block %u: %e", b, e);
    }
}

/// Writes block `b` to disk if it is cached and dirty.
pub fn flush_block(b: u32) {
    let Some(pte) = uvpt(diskaddr(b)) else {
        return;
    };
    if pte & PTE_D == 0 {
        return;
    }
    // SAFETY: the block's page is mapped (checked above) and only read.
    let data = unsafe { core::slice::from_raw_parts(diskaddr(b) as *const u8, BLKSIZE) };
    if let Err(e) = ide::ide_write(b * BLKSECTS as u32, data) {
        panic!("writing block %u: %e", b, e);
    }
    // A borrower may store into the page again at any moment: it stays
    // dirty until the last borrower lets go.
    if !is_lent(b) {
        remap_clean(b, pte);
    }
}

/// Writes back and unmaps block `b` (already taken off the clock).
fn drop_block(b: u32) {
    flush_block(b);
    // SAFETY: nothing refers into the page: the file system copies in and
    // out of blocks and never keeps a reference.
    if let Err(e) = unsafe { sys_page_unmap(0, diskaddr(b)) } {
        panic!("unmapping block %u: %e", b, e);
    }
}

/// Whether block `b` was used since the clock last looked; clears the mark
/// (writing the block back first if it is dirty, since the remap clears
/// the dirty bit too).
fn used_lately(b: u32) -> bool {
    match uvpt(diskaddr(b)) {
        Some(pte) if pte & PTE_A != 0 => {
            if pte & PTE_D != 0 {
                flush_block(b);
            } else {
                remap_clean(b, pte);
            }
            true
        }
        _ => false,
    }
}

/// Evicts one block chosen by the clock; false if none is resident or
/// every resident block is lent.
fn evict_one() -> bool {
    match with_clock(|c| c.choose_unpinned(used_lately, is_lent)) {
        Some(victim) => {
            drop_block(victim);
            true
        }
        None => false,
    }
}

/// Evicts block `b` now, if it is cached.
pub fn evict(b: u32) {
    if with_clock(|c| c.remove(b)) {
        drop_block(b);
    }
}

/// Maps a zeroed page for block `b` (which must not be resident), making
/// room first.
fn map_new_page(b: u32) {
    while with_clock(|c| c.is_full()) {
        if !evict_one() {
            // `may_lend` keeps half of the cache unlent, so this cannot be.
            panic!("block cache full of lent blocks");
        }
    }
    loop {
        // SAFETY: block b's page is unmapped and nothing refers to it.
        match unsafe { sys_page_alloc(0, diskaddr(b), PTE_P | PTE_U | PTE_W) } {
            Ok(()) => break,
            // Short of memory before the cache is full: give some back.
            Err(e) if e == -E_NO_MEM && evict_one() => continue,
            Err(e) => panic!("in bc_pgfault, sys_page_alloc: %e", e),
        }
    }
    with_clock(|c| c.insert(b));
}

/// Block `b` is about to be overwritten whole: give it a page without
/// reading the disk (the caller's writes make it dirty).
pub fn map_fresh(b: u32) {
    if is_mapped(b) && is_lent(b) {
        // The block was freed and is reused now, but a client still maps
        // its old page: that page leaves the cache (the client keeps the
        // frame, detached from the disk) and the block gets a new one.
        with_clock(|c| c.remove(b));
        // SAFETY: the file system keeps no reference into block pages.
        if let Err(e) = unsafe { sys_page_unmap(0, diskaddr(b)) } {
            panic!("unmapping block %u: %e", b, e);
        }
    }
    if !is_mapped(b) {
        map_new_page(b);
    }
}

/// Whether one more block may be lent: lent blocks cannot be evicted, so
/// at most half of the cache may be lent at once.
pub fn may_lend() -> bool {
    with_clock(|c| {
        c.len() < CACHE_BLOCKS / 2
            || c.blocks().iter().filter(|&&b| is_lent(b)).count() < CACHE_BLOCKS / 2
    })
}

/// Readies block `b`'s page to be lent and returns its address: reads it
/// in, zeroes the bytes from `tail` on if no one else maps it (past the
/// end of the file they must read as zeros), and, for a writable loan,
/// marks it dirty in our page table.
pub fn lend(b: u32, tail: usize, writable: bool) -> u32 {
    let va = diskaddr(b);
    // SAFETY: the block's page, read in by our fault handler on first touch.
    let _ = unsafe { core::ptr::read_volatile(va as *const u32) };
    if tail < BLKSIZE && !is_lent(b) {
        // SAFETY: the page is mapped and only ours right now.
        unsafe { core::ptr::write_bytes((va as usize + tail) as *mut u8, 0, BLKSIZE - tail) };
    }
    if writable {
        // A locked compare-and-swap writes its operand whether or not it
        // matches, so it sets our dirty bit without ever undoing a
        // borrower's store (a plain read and write back could).
        // SAFETY: the page is mapped writable and 4-byte aligned.
        let word = unsafe { core::sync::atomic::AtomicU32::from_ptr(va as *mut u32) };
        let now = word.load(Ordering::Relaxed);
        let _ = word.compare_exchange(now, now, Ordering::SeqCst, Ordering::SeqCst);
    }
    va
}

/// The page-fault handler: reads the faulting block into a fresh page.
fn bc_pgfault(utf: &UTrapframe) {
    let va = utf.utf_fault_va;
    if !(DISKMAP..DISKMAP + DISKSIZE).contains(&va) {
        panic!(
            "page fault in FS: va %08x ip %08x err %04x",
            va, utf.utf_eip, utf.utf_err
        );
    }
    let b = (va - DISKMAP) / BLKSIZE as u32;
    let nblocks = NBLOCKS.load(Ordering::Relaxed);
    if nblocks != 0 && b >= nblocks {
        panic!("reading non-existent block %08x", b);
    }
    map_new_page(b);
    let page = diskaddr(b);
    // SAFETY: the page was just mapped for this block; nothing else sees it.
    let dst = unsafe { core::slice::from_raw_parts_mut(page as *mut u8, BLKSIZE) };
    if let Err(e) = ide::ide_read(b * BLKSECTS as u32, dst) {
        panic!("reading block %u: %e", b, e);
    }
    // Reading set the dirty bit; the block matches the disk.
    if let Some(pte) = uvpt(page) {
        remap_clean(b, pte);
    }
}

/// Installs the fault handler (before any block is touched).
pub fn bc_init() {
    set_pgfault_handler(bc_pgfault);
}

/// Records the disk's size from the superblock: blocks past it never load.
pub fn set_nblocks(n: u32) {
    NBLOCKS.store(n, Ordering::Relaxed);
}

/// Writes every dirty resident block back.
pub fn sync_all() {
    let mut i = 0;
    while let Some(b) = with_clock(|c| c.blocks().get(i).copied()) {
        flush_block(b);
        i += 1;
    }
}

/// The disk as the file system sees it, through the cache.
pub struct Disk;

impl Disk {
    fn span(b: u32, off: usize, len: usize) -> *mut u8 {
        if off + len > BLKSIZE {
            panic!("block access %u+%u crosses block %u", off, len, b);
        }
        (diskaddr(b) as usize + off) as *mut u8
    }
}

impl BlockDev for Disk {
    fn read(&mut self, b: u32, off: usize, out: &mut [u8]) {
        let src = Self::span(b, off, out.len());
        // SAFETY: the span lies in block b's page, which the fault handler
        // maps on first touch; `out` is never inside the cache.
        unsafe { core::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), out.len()) };
    }

    fn write(&mut self, b: u32, off: usize, data: &[u8]) {
        let dst = Self::span(b, off, data.len());
        // SAFETY: as for `read`.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
    }

    fn flush(&mut self, b: u32) {
        flush_block(b);
    }

    fn sync(&mut self) {
        sync_all();
    }

    fn fresh(&mut self, b: u32) {
        map_fresh(b);
    }
}
