//! The swap store's server half (docs/swap.md): the FS env keeps envs'
//! paged-out pages on its second disk (QEMU's index=2, the secondary
//! channel's master), one page per 8-sector slot. `fs::swap` decides which
//! slot holds what; this file checks each request and moves the bytes.
//!
//! Requests (inc/src/fs.rs): OUT and IN name the page in the IPC value
//! (`va | FSREQ_SWAP_*`); OUT comes with the page itself, mapped here for
//! as long as the write takes, so no copy is made; IN replies with a fresh
//! frame holding the page. Nothing an env sends can make the store hand
//! it another env's page: entries are keyed by the sender's envid, which
//! the kernel supplies. Entries of envs that are gone are reaped when the
//! slots run out and on every DISCARD.

use crate::ide::SWAP_DISK;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use fs::swap::SwapTable;
use inc::env::{envx, EnvId, ENV_FREE};
use inc::error::*;
use inc::fs::*;
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::fork::uvpt;
use jos::{cprintf, sys_page_alloc, sys_page_unmap};

/// Sectors per slot.
const SLOT_SECTS: u32 = PGSIZE / SECTSIZE as u32;
/// Where a page being paged in is read, just below the request page.
const SWAP_VA: u32 = FS_REQ_VA - PGSIZE;

struct TableCell(UnsafeCell<SwapTable>);
// SAFETY: only `with_table` makes a reference, and BUSY keeps it unique.
unsafe impl Sync for TableCell {}

static TABLE: TableCell = TableCell(UnsafeCell::new(SwapTable::new(0)));
static BUSY: AtomicBool = AtomicBool::new(false);

/// Runs `f` on the slot table (the FS env is single-threaded; BUSY turns
/// a reentrant call, which would be a bug, into a panic).
fn with_table<R>(f: impl FnOnce(&mut SwapTable) -> R) -> R {
    if BUSY.swap(true, Ordering::Acquire) {
        jos::panic!("swap table used reentrantly");
    }
    // SAFETY: BUSY makes this the only reference until it is cleared.
    let r = f(unsafe { &mut *TABLE.0.get() });
    BUSY.store(false, Ordering::Release);
    r
}

/// Looks for the swap disk and sizes the table from it.
pub fn init() {
    let Some(sectors) = SWAP_DISK.sectors() else {
        return;
    };
    let slots = with_table(|t| {
        t.set_size((sectors / SLOT_SECTS) as usize);
        t.nslots()
    });
    if slots > 0 {
        cprintf!("FS: swap disk of %d pages\n", slots);
    }
}

/// Whether `id` names an env that still exists.
fn alive(id: EnvId) -> bool {
    let e = jos::envs(envx(id));
    e.env_id == id && e.env_status != ENV_FREE
}

/// Serves `req` if it is a swap request (then it has replied), else
/// returns false. `perm` is the permission of the page that came with it.
pub fn serve(whom: EnvId, req: u32, perm: u32) -> bool {
    let va = req & !FSREQ_SWAP_MASK;
    let value = match req & FSREQ_SWAP_MASK {
        FSREQ_SWAP_OUT => page_out(whom, va, perm),
        FSREQ_SWAP_IN => return page_in(whom, va),
        FSREQ_SWAP_FORK if va == 0 => fork(whom, perm),
        FSREQ_SWAP_DISCARD if va == 0 => discard(whom, perm),
        _ => return false,
    };
    let _ = crate::serv::reply(whom, value.unwrap_or_else(|e| e), None);
    true
}

fn check_va(va: u32) -> Result<(), i32> {
    if va >= UTOP {
        return Err(-E_INVAL);
    }
    Ok(())
}

/// The request page's words, if one came with the request.
fn request_words(perm: u32) -> Result<[u32; 2], i32> {
    if perm & PTE_P == 0 || uvpt(FS_REQ_VA).is_none() {
        return Err(-E_INVAL);
    }
    // SAFETY: the request page is mapped (checked) and plain bytes.
    Ok(unsafe { core::ptr::read_volatile(FS_REQ_VA as *const [u32; 2]) })
}

fn sector_of(slot: usize) -> u32 {
    slot as u32 * SLOT_SECTS
}

/// OUT: writes the page that came with the request to a fresh slot.
fn page_out(whom: EnvId, va: u32, perm: u32) -> Result<i32, i32> {
    check_va(va)?;
    if perm & (PTE_P | PTE_U) != PTE_P | PTE_U || uvpt(FS_REQ_VA).is_none() {
        return Err(-E_INVAL);
    }
    let slot = with_table(|t| {
        t.put(whom, va).or_else(|_| {
            // Full: the slots of envs that died may come back.
            t.reap(alive);
            t.put(whom, va)
        })
    })
    .map_err(|_| -E_NO_DISK)?;
    // SAFETY: the page is mapped at FS_REQ_VA until the caller unmaps it
    // after we reply; the client waits for the reply meanwhile.
    let page = unsafe { core::slice::from_raw_parts(FS_REQ_VA as *const u8, PGSIZE as usize) };
    if let Err(e) = SWAP_DISK.write(sector_of(slot), page) {
        with_table(|t| t.remove(whom, va));
        return Err(e);
    }
    Ok(0)
}

/// IN: reads the caller's page at `va` into a fresh frame and sends it.
/// The entry goes only once the page has been delivered: a client that
/// had no room for it (its quota) gets -E_NO_MEM and may ask again.
fn page_in(whom: EnvId, va: u32) -> bool {
    let r = read_page(whom, va).and_then(|()| {
        let rw = PTE_P | PTE_U | PTE_W;
        crate::serv::reply(whom, 0, Some((SWAP_VA, rw)))
    });
    // SAFETY: SWAP_VA is ours; nothing refers into it past the reply.
    let _ = unsafe { sys_page_unmap(0, SWAP_VA) };
    match r {
        Ok(()) => {
            with_table(|t| t.remove(whom, va));
        }
        Err(e) => {
            let _ = crate::serv::reply(whom, e, None);
        }
    }
    true
}

fn read_page(whom: EnvId, va: u32) -> Result<(), i32> {
    check_va(va)?;
    let slot = with_table(|t| t.lookup(whom, va)).ok_or(-E_NOT_FOUND)?;
    // SAFETY: SWAP_VA is reserved for this; nothing lives there.
    unsafe { sys_page_alloc(0, SWAP_VA, PTE_P | PTE_U | PTE_W)? };
    // SAFETY: just mapped, writable, ours alone until it is sent.
    let page = unsafe { core::slice::from_raw_parts_mut(SWAP_VA as *mut u8, PGSIZE as usize) };
    SWAP_DISK.read(sector_of(slot), page)
}

/// FORK: the child (the request page's first word) shares our pages.
fn fork(whom: EnvId, perm: u32) -> Result<i32, i32> {
    let [child, _] = request_words(perm)?;
    let child = child as EnvId;
    let e = jos::envs(envx(child));
    if child == 0 || e.env_id != child || e.env_status == ENV_FREE || e.env_parent_id != whom {
        return Err(-E_BAD_ENV);
    }
    let n = with_table(|t| t.fork(whom, child)).map_err(|_| -E_NO_DISK)?;
    Ok(n as i32)
}

/// DISCARD: forgets our pages in [lo, hi), reaps the dead, and reports the
/// slots in use.
fn discard(whom: EnvId, perm: u32) -> Result<i32, i32> {
    let [lo, hi] = request_words(perm)?;
    Ok(with_table(|t| {
        t.discard(whom, lo, hi);
        t.reap(alive);
        t.slots_in_use() as i32
    }))
}
