//! Paging to disk, the library's half (issue 10; docs/swap.md).
//!
//! The kernel only maps frames, counts them against a quota and reports
//! faults and accessed bits; the FS env keeps pages on its swap disk
//! (fs/src/swapserv.rs). The policy is all here:
//!
//! - **When**: a page allocation of the library's fault handlers fails
//!   with -E_NO_MEM (the machine is full, or the env reached its quota):
//!   [`retry_with_eviction`] evicts one page and tries again.
//! - **What**: a heap page in the first [`SWAP_WINDOW`] bytes of the heap,
//!   chosen by the clock in `evict.rs` over the accessed bits. Never the
//!   page being faulted on, never a PTE_SHARE page (its sharing would be
//!   lost), and never anything outside the heap: program text and data,
//!   the stacks, the exception stack, fd pages and this file's own state
//!   stay resident, so the pager cannot fault on itself.
//! - **How**: a mapping of the shared zero page is just dropped (the next
//!   touch maps it again). Any other page is sent to the store with the
//!   request (no copy), unmapped, and marked in [`OUT`]. A copy-on-write
//!   page may go too: it frees a page of quota, and it comes back as a
//!   private writable page with the same bytes, which is what a write
//!   would have made of it. Every eviction writes: a page's dirty bit does
//!   not survive the remapping that fork and COW do, so "clean" cannot be
//!   trusted.
//! - **Back in**: `lazy.rs` sends a fault on a marked page here; the store
//!   replies with a fresh frame mapped straight at the page.
//! - **fork**: the child's copy of [`OUT`] is ours; before it runs, `fork`
//!   asks the store to share our paged-out pages with it.
//! - **Gone**: shrinking the heap discards the pages above the break; the
//!   store reaps the pages of envs that died, whatever they were doing.
//!
//! The pager's own state (this file's statics) may still be copy-on-write
//! after fork, and writing it then takes a COW fault that needs a page of
//! room. So the pager writes its state only when it has that room: after
//! a victim is gone, or after touching it first (`page_in`).
//!
//! A system call's buffer on the heap is paged in by `lazy::prefault`
//! before the call (the kernel never faults pages in); it must fit in the
//! env's quota.

use crate::evict::{ClockHand, Resident};
use crate::fork::{uvpd, uvpt};
use crate::{fsipc, heap, ipc, sys_page_access, sys_page_unmap};
use core::sync::atomic::{AtomicU32, Ordering};
use inc::error::{E_INVAL, E_NO_MEM};
use inc::fs::*;
use inc::memlayout::{PGSIZE, PTSIZE, UTOP};
use inc::mmu::{pgnum, pte_addr, round_down, PTE_A, PTE_P, PTE_SHARE, PTE_U};

/// How much of the heap, from its start, may be paged out.
pub const SWAP_WINDOW: u32 = 64 << 20;
const WINDOW_PAGES: usize = (SWAP_WINDOW / PGSIZE) as usize;

/// Bit i: heap page i is in the swap store, not mapped.
static OUT: [AtomicU32; WINDOW_PAGES / 32] = [const { AtomicU32::new(0) }; WINDOW_PAGES / 32];
/// How many bits of OUT are set.
static PAGES_OUT: AtomicU32 = AtomicU32::new(0);
/// The clock hand's page number.
static HAND: AtomicU32 = AtomicU32::new(0);
/// Pages written to the store and read back, since the program started.
static PAGE_OUTS: AtomicU32 = AtomicU32::new(0);
static PAGE_INS: AtomicU32 = AtomicU32::new(0);

/// (page outs, page ins) so far.
pub fn counts() -> (u32, u32) {
    (
        PAGE_OUTS.load(Ordering::Relaxed),
        PAGE_INS.load(Ordering::Relaxed),
    )
}

/// The heap's pageable part, [lo, hi).
fn window() -> (u32, u32) {
    let lo = heap::heap_start();
    (lo, heap::brk().min(lo + SWAP_WINDOW))
}

fn index(page: u32) -> Option<usize> {
    let (lo, _) = window();
    let i = page.checked_sub(lo)? / PGSIZE;
    (i < WINDOW_PAGES as u32).then_some(i as usize)
}

/// Whether `page` (page-aligned) is in the swap store.
pub fn paged_out(page: u32) -> bool {
    PAGES_OUT.load(Ordering::Relaxed) != 0
        && index(page).is_some_and(|i| OUT[i / 32].load(Ordering::Relaxed) & (1 << (i % 32)) != 0)
}

fn mark(page: u32, out: bool) {
    let Some(i) = index(page) else {
        return;
    };
    let bit = 1 << (i % 32);
    let old = if out {
        OUT[i / 32].fetch_or(bit, Ordering::Relaxed)
    } else {
        OUT[i / 32].fetch_and(!bit, Ordering::Relaxed)
    };
    match (old & bit != 0, out) {
        (false, true) => PAGES_OUT.fetch_add(1, Ordering::Relaxed),
        (true, false) => PAGES_OUT.fetch_sub(1, Ordering::Relaxed),
        _ => 0,
    };
}

/// Runs `alloc` until it succeeds or fails with something other than
/// -E_NO_MEM, evicting one page (never `keep`) after each -E_NO_MEM. Fails
/// with -E_NO_MEM once nothing is left to evict.
pub fn retry_with_eviction(
    keep: u32,
    mut alloc: impl FnMut() -> Result<(), i32>,
) -> Result<(), i32> {
    loop {
        match alloc() {
            Err(e) if e == -E_NO_MEM => evict_one(keep)?,
            r => return r,
        }
    }
}

/// The heap pages the clock may choose: mapped, not shared, not `keep`.
struct Evictable {
    lo: u32,
    hi: u32,
    keep: u32,
}

impl Resident for Evictable {
    fn next_from(&self, vpn: u32) -> Option<u32> {
        let mut vpn = vpn.max(self.lo);
        while vpn < self.hi {
            let va = vpn << 12;
            if uvpd(va) & PTE_P == 0 {
                vpn = (round_down(va, PTSIZE) + PTSIZE) >> 12; // no page table
                continue;
            }
            if vpn != self.keep && uvpt(va).is_some_and(|pte| pte & PTE_SHARE == 0) {
                return Some(vpn);
            }
            vpn += 1;
        }
        None
    }
}

/// The clock's look at a page: the accessed bit is read from our own
/// page table (uvpt, free), and the pages found accessed are cleared in
/// runs, one `sys_page_access` per run of consecutive pages rather than
/// one per page (the call also flushes the TLB, so the next access sets
/// the bit again).
struct Looks {
    run_start: u32,
    run_len: u32,
}

impl Looks {
    fn accessed_and_clear(&mut self, vpn: u32) -> bool {
        let accessed = uvpt(vpn << 12).is_some_and(|pte| pte & PTE_A != 0);
        if accessed {
            if self.run_len > 0 && self.run_start + self.run_len != vpn {
                self.clear_run();
            }
            if self.run_len == 0 {
                self.run_start = vpn;
            }
            self.run_len += 1;
        }
        accessed
    }

    fn clear_run(&mut self) {
        let mut bits = [0u32; 32];
        let mut vpn = self.run_start;
        let end = self.run_start + self.run_len;
        while vpn < end {
            let n = (end - vpn).min(32 * 32);
            let _ = sys_page_access(0, vpn << 12, n, &mut bits, PTE_A);
            vpn += n;
        }
        self.run_len = 0;
    }
}

/// Gives up one heap page other than `keep`: -E_NO_MEM if there is none
/// (or no swap store to put it in).
pub fn evict_one(keep: u32) -> Result<(), i32> {
    let (lo, hi) = window();
    let pages = Evictable {
        lo: pgnum(lo) as u32,
        hi: pgnum(hi) as u32,
        keep: pgnum(keep) as u32,
    };
    let mut hand = ClockHand::starting_at(HAND.load(Ordering::Relaxed));
    let mut looks = Looks {
        run_start: 0,
        run_len: 0,
    };
    let victim = hand.choose_victim(&pages, |vpn| looks.accessed_and_clear(vpn));
    looks.clear_run();
    let victim = victim.ok_or(-E_NO_MEM)? << 12;
    let stored = page_out(victim)?;
    // Only now, with the victim's page of room, may our state be written.
    HAND.store(hand.position(), Ordering::Relaxed);
    if stored {
        mark(victim, true);
        PAGE_OUTS.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// A request to the swap store, in one kernel entry; the reply value or
/// -E_NO_MEM when there is no store. Touches no static (see above).
fn store_request(value: u32, page: Option<(u32, u32)>, dstva: Option<u32>) -> i32 {
    let Some(fs) = ipc::ipc_find_env(inc::env::ENV_TYPE_FS) else {
        return -E_NO_MEM;
    };
    let (va, perm) = page.unwrap_or((UTOP, 0));
    match ipc::ipc_send_recv(fs, value, Some(va), perm, dstva, None, None) {
        Ok(v) => v as i32,
        Err(e) => e,
    }
}

/// Sends the page at `va` to the store (unless it maps the zero page) and
/// unmaps it; whether it went to the store.
fn page_out(va: u32) -> Result<bool, i32> {
    let pte = uvpt(va).ok_or(-E_INVAL)?;
    let zero = Some(pte_addr(pte)) == crate::lazy::zero_frame();
    if !zero {
        let r = store_request(va | FSREQ_SWAP_OUT, Some((va, PTE_P | PTE_U)), None);
        if r < 0 {
            // No store, or it is full: this page stays, memory stays full.
            return Err(if r == -inc::error::E_NO_DISK {
                -E_NO_MEM
            } else {
                r
            });
        }
    }
    // SAFETY: the page's bytes are in the store (or it was the zero page);
    // the next touch faults and brings them back (lazy.rs).
    unsafe { sys_page_unmap(0, va)? };
    Ok(!zero)
}

/// Writes (without changing) every static `page_in` will write, so that
/// their copy-on-write faults, if any, come now, while there is room.
fn touch_state(va: u32) {
    if let Some(i) = index(va) {
        OUT[i / 32].fetch_or(0, Ordering::Relaxed);
    }
    PAGES_OUT.fetch_add(0, Ordering::Relaxed);
    PAGE_INS.fetch_add(0, Ordering::Relaxed);
}

/// Brings the page at `va` back from the store, evicting first if the
/// quota is full.
pub fn page_in(va: u32) -> Result<(), i32> {
    let me = crate::thisenv();
    let mem = crate::env_mem(inc::env::envx(me.env_id));
    if mem.em_quota != inc::env::NO_QUOTA && mem.em_pages >= mem.em_quota {
        evict_one(va)?;
    }
    touch_state(va);
    retry_with_eviction(va, || {
        match store_request(va | FSREQ_SWAP_IN, None, Some(va)) {
            r if r < 0 => Err(r),
            _ if uvpt(va).is_none() => Err(-E_INVAL), // the store sent no page
            _ => Ok(()),
        }
    })?;
    mark(va, false);
    PAGE_INS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Called by `fork` before the child runs: the child gets our paged-out
/// pages (sharing the store's slots).
pub fn share_with_child(child: inc::env::EnvId) -> Result<(), i32> {
    if PAGES_OUT.load(Ordering::Relaxed) == 0 {
        return Ok(());
    }
    match fsipc::swap_request(FSREQ_SWAP_FORK, [child as u32, 0]) {
        r if r < 0 => Err(r),
        _ => Ok(()),
    }
}

/// Forgets our paged-out pages in [lo, hi) (the heap shrank past them).
pub fn discard(lo: u32, hi: u32) {
    let mut any = false;
    let mut page = round_down(lo, PGSIZE);
    while page < hi && PAGES_OUT.load(Ordering::Relaxed) != 0 {
        any |= paged_out(page);
        mark(page, false);
        page += PGSIZE;
    }
    if any {
        let _ = fsipc::swap_request(FSREQ_SWAP_DISCARD, [lo, hi]);
    }
}

/// Slots in use in the whole store (after it reaped the envs that are
/// gone), for tests that check every slot came back.
pub fn store_slots_in_use() -> Result<u32, i32> {
    match fsipc::swap_request(FSREQ_SWAP_DISCARD, [0, 0]) {
        r if r < 0 => Err(r),
        r => Ok(r as u32),
    }
}
