//! Demand-paged program text (docs/vm.md, "Demand-paged, shared text").
//!
//! `spawn` leaves the read-only segments a program marks for paging on
//! demand (`.lazytext`, `PF_RJOS_DEMAND`) unmapped, and gives the child two
//! pages: at TEXT_MAP a read-only table of those ranges and the file
//! offsets they come from, and at TEXT_HANDLE its own reference to the
//! program file (a copy of spawn's Fd page, so the file stays open and the
//! server honours its fileid). The first touch of such a page faults here;
//! the page comes in as a read-only loan of the server's block-cache page
//! (FSREQ_MAP), so every env running the program maps the same frame.
//!
//! The kernel adds nothing for this: it is the page-fault upcall, the IPC
//! page transfer and the file server's loans, all of which exist already.

use crate::fork::uvpt;
use crate::pgfault::Verdict;
use crate::{fsipc, sys_getenvid, UTrapframe};
use inc::fs::{TextMap, TextRange, TEXT_HANDLE, TEXT_MAP};
use inc::memlayout::{PGSIZE, UTEXT};
use inc::mmu::{round_down, FEC_PR, FEC_WR};

/// The range of demand-paged text holding `va`, if this env has a text map
/// and `va` is in one of its ranges.
fn range_of(va: u32) -> Option<TextRange> {
    if !(UTEXT..TEXT_MAP).contains(&va) || uvpt(TEXT_MAP).is_none() {
        return None;
    }
    // SAFETY: the text map page is mapped (checked above) and read-only;
    // TextMap is plain data, any bytes are a valid value.
    let map = unsafe { core::ptr::read_volatile(TEXT_MAP as *const TextMap) };
    map.find(va)
}

/// The fault handler, in the chain after the lazy policy (`pgfault.rs`):
/// a fault on a page of demand-paged text that is not there yet.
pub fn handle(utf: &UTrapframe) -> Verdict {
    let va = utf.utf_fault_va;
    if utf.utf_err & FEC_PR != 0 {
        return Verdict::NotMine;
    }
    let Some(range) = range_of(va) else {
        return Verdict::NotMine;
    };
    if utf.utf_err & FEC_WR != 0 {
        crate::cprintf!(
            "[%08x] write to program text at va %08x\n",
            sys_getenvid(),
            va
        );
        return Verdict::Refused;
    }
    match page_in(&range, round_down(va, PGSIZE)) {
        Ok(()) => Verdict::Handled,
        Err(e) => {
            crate::cprintf!(
                "[%08x] program text at va %08x: cannot page it in: %e\n",
                sys_getenvid(),
                va,
                e
            );
            Verdict::Refused
        }
    }
}

/// Borrows the server's cache page for `page` of `range`, read-only.
fn page_in(range: &TextRange, page: u32) -> Result<(), i32> {
    if uvpt(TEXT_HANDLE).is_none() {
        return Err(-inc::error::E_INVAL);
    }
    crate::swap::make_room(1)?;
    let fileid = fsipc::fd_at(TEXT_HANDLE).fd_file_id;
    let got = fsipc::map_block(fileid, TextMap::file_offset(range, page), 0, page);
    if got < 0 {
        return Err(got);
    }
    if uvpt(page).is_none() {
        return Err(-inc::error::E_INVAL);
    }
    Ok(())
}

/// Pages in the demand-paged text in `[va, end)` before a system call
/// reads it: the kernel's `user_mem_check` refuses a page that is not
/// mapped yet rather than fault on it.
pub fn prefault(va: u32, end: u64) {
    let mut page = round_down(va, PGSIZE) as u64;
    while page < end {
        let p = page as u32;
        if uvpt(p).is_none() && range_of(p).is_some() {
            // SAFETY: a page of our program text: reading it faults it in
            // through `handle`; the value is not used.
            let _ = unsafe { core::ptr::read_volatile(p as *const u8) };
        }
        page += PGSIZE as u64;
    }
}
