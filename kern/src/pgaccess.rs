//! `sys_page_access`: reading and clearing the accessed and dirty bits the
//! MMU keeps in each page-table entry, so that user space can measure a
//! working set (lib/src/wset.rs) or, later, find the pages to write back.
//!
//! The MMU sets PTE_A on the first access through a TLB entry it loads, and
//! PTE_D on the first write; it does not look at the PTE again while the
//! entry stays cached. So once a bit is cleared, no TLB may keep the old
//! entry, or the next accesses go unrecorded. This CPU drops its entry with
//! `invlpg`. Another CPU can only hold one while it has the directory in CR3
//! (every CR3 load empties the TLB, and a CPU that gives up the kernel lock
//! has loaded its env's directory or kern_pgdir), that is while it runs the
//! env. RJOS sends no IPIs, so such a call is refused with -E_BAD_ENV: the
//! caller stops the child first (docs/vm.md, "Accessed bits").

use crate::addr::VirtAddr;
use crate::bkl::Bkl;
use crate::env::{envid2env, pgdir_of};
use crate::pmap::{self, PgDir};
use crate::syscall::{me, SysResult};
use crate::userptr::{access_bitmap_len, access_bits_arg, page_range_arg, UserBuf};
use inc::env::EnvId;
use inc::error::{E_BAD_ENV, E_FAULT};
use inc::memlayout::PGSIZE;
use inc::mmu::{PTE_P, PTE_U, PTE_W};

/// Reports and clears `bits` (PTE_A and/or PTE_D) of the `npages` pages
/// from `va` in `envid`; bit i of the words at `bitmap` (the caller's
/// memory, written whole) says whether page i had one of them set. Returns
/// the number of pages reported. An unmapped page reports 0.
pub fn sys_page_access(
    bkl: &mut Bkl,
    envid: EnvId,
    va: u32,
    npages: u32,
    bitmap: u32,
    bits: u32,
) -> SysResult {
    let target = envid2env(bkl, envid, true)?;
    let (start, npages) = page_range_arg(va, npages)?;
    let bits = access_bits_arg(bits)?;
    let pgdir = pgdir_of(bkl, target);
    if pmap::loaded_elsewhere(pgdir).is_some() {
        return Err(-E_BAD_ENV);
    }
    let caller = me(bkl);
    let buf = UserBuf::new(bitmap, access_bitmap_len(npages));
    // The caller is the env loaded on this CPU, as `check` requires.
    let mut out = buf
        .check(pgdir_of(bkl, caller), PTE_U | PTE_W)
        .map_err(|_| -E_FAULT)?;
    let words = out.as_mut_slice();
    let mut reported = 0;
    for (w, word_bytes) in words.chunks_exact_mut(4).enumerate() {
        let mut word = 0u32;
        let first = w as u32 * 32;
        for i in first..npages.min(first + 32) {
            let page = VirtAddr(start.virt().0 + i * PGSIZE);
            if take_bits(pgdir, page, bits) {
                word |= 1 << (i - first);
                reported += 1;
            }
        }
        word_bytes.copy_from_slice(&word.to_le_bytes());
    }
    Ok(reported)
}

/// Whether the page at `va` is mapped with one of `bits` set; clears them
/// and drops this CPU's TLB entry.
fn take_bits(pgdir: PgDir, va: VirtAddr, bits: u32) -> bool {
    let change = |pte: u32| {
        if pte & PTE_P != 0 {
            pte & !bits
        } else {
            pte
        }
    };
    match pmap::update_pte(pgdir, va, change) {
        Some((old, new)) if old != new => {
            pmap::tlb_invalidate(pgdir, va);
            true
        }
        _ => false,
    }
}
