//! Memory-mapped files (issue 10, docs/mmap.md): `mmap`, `munmap`, `msync`.
//!
//! Policy in the library, mechanism in the file server: a mapping is a
//! region in this env's table, and nothing is mapped until a page faults.
//! The fault handler asks the server to lend the block-cache page holding
//! that block of the file (FSREQ_MAP, `fs/src/lend.rs`) and the IPC page
//! transfer maps it at the faulting page:
//!
//! - MAP_SHARED: the cache's own frame, with PTE_SHARE (and PTE_W for
//!   PROT_WRITE). Every env mapping the block maps that frame, so stores are
//!   seen at once, fork keeps the sharing (cow.rs shares PTE_SHARE pages),
//!   and the server keeps a writable loan dirty, so stores reach the disk.
//!   `msync`, `munmap` and `exit` ask the server to write the file back.
//! - MAP_PRIVATE: the cache's frame read-only; the first write (PROT_WRITE)
//!   copies it to a private page, so writes never reach the file.
//!
//! A mapping keeps its file open by a copy of the fd's page in the MMAPFD
//! window (a "handle"), so closing the fd does not end it.
//!
//! The argument checks and the region table are pure logic, tested on the
//! host; the rest needs the machine.

use inc::error::{E_INVAL, E_NO_MEM};
use inc::fd::FDTABLE;
use inc::fs::TEXT_MAP;
use inc::memlayout::{PGSIZE, UTEXT};

pub const PROT_READ: i32 = 1;
pub const PROT_WRITE: i32 = 2;
pub const MAP_SHARED: i32 = 1;
pub const MAP_PRIVATE: i32 = 2;
pub const MAP_FIXED: i32 = 0x10;
/// What C's mmap returns on error; `mmap` here returns `Err(-E_*)`.
pub const MAP_FAILED: usize = usize::MAX;

/// Where mmap puts mappings whose address it chooses (without MAP_FIXED).
pub const MMAP_BASE: u32 = 0xE000_0000;
/// No mapping reaches past this: above it lie the stack's growth area and
/// the exception stack.
pub const MMAP_TOP: u32 = 0xEE00_0000;
/// Regions one env can have at once.
pub const MAXREGIONS: usize = 32;

/// One mapped range: `[start, end)` shows the file from byte `offset` on,
/// through handle `handle` (the page `mmap_fd_page(handle)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u32,
    pub end: u32,
    pub offset: u32,
    pub prot: i32,
    pub flags: i32,
    pub handle: usize,
}

impl Region {
    pub fn shared(&self) -> bool {
        self.flags & MAP_SHARED != 0
    }

    pub fn writable(&self) -> bool {
        self.prot & PROT_WRITE != 0
    }

    /// The file offset shown at `page` (inside the region).
    pub fn file_offset(&self, page: u32) -> u32 {
        self.offset + (page - self.start)
    }

    /// The part of the region inside `[start, end)`, if any.
    fn clip(&self, start: u32, end: u32) -> Option<Region> {
        let (s, e) = (self.start.max(start), self.end.min(end));
        (s < e).then(|| Region {
            start: s,
            end: e,
            offset: self.file_offset(s),
            ..*self
        })
    }
}

/// Checks mmap's arguments that need no look at memory; returns the
/// length rounded up to whole pages. Every refusal is -E_INVAL.
pub fn check_request(
    addr: usize,
    len: usize,
    prot: i32,
    flags: i32,
    offset: i32,
) -> Result<u32, i32> {
    let kind = flags & (MAP_SHARED | MAP_PRIVATE);
    let bad = len == 0
        || prot & !(PROT_READ | PROT_WRITE) != 0
        || prot == 0
        || flags & !(MAP_SHARED | MAP_PRIVATE | MAP_FIXED) != 0
        || (kind != MAP_SHARED && kind != MAP_PRIVATE)
        || offset < 0
        || !(offset as u32).is_multiple_of(PGSIZE)
        || (flags & MAP_FIXED != 0 && !addr.is_multiple_of(PGSIZE as usize));
    if bad || len > MMAP_TOP as usize {
        return Err(-E_INVAL);
    }
    Ok((len as u32).div_ceil(PGSIZE) * PGSIZE)
}

/// Whether `[start, end)` may be mapped with MAP_FIXED: above the program's
/// first page of text (so never at 0), below MMAP_TOP (so never in the
/// stack, the exception stack or the kernel), off the heap `[heap.0,
/// heap.1)` and off the library's fd and handle windows and the text
/// map (demand.rs).
pub fn fixed_range_ok(start: u32, end: u32, heap: (u32, u32)) -> bool {
    let apart = |lo: u32, hi: u32| end <= lo || start >= hi;
    start >= UTEXT
        && start < end
        && end <= MMAP_TOP
        && apart(heap.0, heap.1)
        && apart(FDTABLE, TEXT_MAP + PGSIZE)
}

/// The env's regions; they never overlap.
#[derive(Clone, Copy)]
pub struct Regions {
    slots: [Option<Region>; MAXREGIONS],
}

impl Default for Regions {
    fn default() -> Self {
        Self::new()
    }
}

impl Regions {
    pub const fn new() -> Regions {
        Regions {
            slots: [None; MAXREGIONS],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.slots.iter().flatten()
    }

    /// The region holding `va`.
    pub fn find(&self, va: u32) -> Option<Region> {
        self.iter()
            .find(|r| (r.start..r.end).contains(&va))
            .copied()
    }

    pub fn overlaps(&self, start: u32, end: u32) -> bool {
        self.iter().any(|r| r.clip(start, end).is_some())
    }

    pub fn uses_handle(&self, h: usize) -> bool {
        self.iter().any(|r| r.handle == h)
    }

    pub fn is_full(&self) -> bool {
        self.slots.iter().all(|s| s.is_some())
    }

    /// Adds `r`; -E_NO_MEM if the table is full.
    pub fn insert(&mut self, r: Region) -> Result<(), i32> {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(-E_NO_MEM)?;
        *slot = Some(r);
        Ok(())
    }

    /// The lowest `len` bytes in `[lo, hi)` (page-aligned) that no region
    /// covers and `taken(start, end)` does not claim (pages already mapped).
    pub fn first_free(
        &self,
        len: u32,
        lo: u32,
        hi: u32,
        taken: impl Fn(u32, u32) -> bool,
    ) -> Option<u32> {
        let mut start = lo;
        while start as u64 + len as u64 <= hi as u64 {
            let end = start + len;
            if let Some(r) = self
                .iter()
                .filter(|r| r.clip(start, end).is_some())
                .max_by_key(|r| r.end)
            {
                start = r.end;
            } else if taken(start, end) {
                start += PGSIZE;
            } else {
                return Some(start);
            }
        }
        None
    }

    /// Takes `[start, end)` out of every region: `gone` gets each piece
    /// removed (before the table changes), a region cut in the middle
    /// becomes two. -E_NO_MEM, with nothing changed, if that needs a slot
    /// and none is free.
    pub fn remove_range(
        &mut self,
        start: u32,
        end: u32,
        mut gone: impl FnMut(&Region),
    ) -> Result<(), i32> {
        let splits = self.iter().any(|r| r.start < start && end < r.end);
        if splits && self.is_full() {
            return Err(-E_NO_MEM);
        }
        for i in 0..MAXREGIONS {
            let Some(r) = self.slots[i] else { continue };
            let Some(piece) = r.clip(start, end) else {
                continue;
            };
            gone(&piece);
            let left = (r.start < piece.start).then_some(Region {
                end: piece.start,
                ..r
            });
            let right = (piece.end < r.end).then(|| Region {
                start: piece.end,
                offset: r.file_offset(piece.end),
                ..r
            });
            self.slots[i] = left.or(right);
            if let (Some(_), Some(right)) = (left, right) {
                self.insert(right)?; // a slot is free: checked above
            }
        }
        Ok(())
    }
}

#[cfg(target_os = "none")]
pub use self::machine::*;

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::fd::fd_lookup;
    use crate::fork::{for_each_page, uvpt};
    use crate::pgfault::Verdict;
    use crate::{fsipc, sys_getenvid, sys_page_alloc, sys_page_map, sys_page_unmap, UTrapframe};
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use inc::fd::DEV_FILE;
    use inc::fs::{mmap_fd_page, MAXMMAPFD, O_ACCMODE, O_RDONLY, O_WRONLY};
    use inc::memlayout::{PFTEMP, UTOP};
    use inc::mmu::{round_down, FEC_WR, PTE_P, PTE_SHARE, PTE_SYSCALL, PTE_U, PTE_W};

    /// The region table. Changed only by copying it out, changing the
    /// copy and writing it back (`update`): the write may take a
    /// copy-on-write fault, and the fault handler must not read a table
    /// half written, so it looks only while UPDATING is clear.
    struct Table(UnsafeCell<Regions>);
    // SAFETY: an env is single-threaded; accesses are whole-value reads
    // and writes through raw pointers (sfork'd halves share it, see
    // docs/mmap.md).
    unsafe impl Sync for Table {}
    static REGIONS: Table = Table(UnsafeCell::new(Regions::new()));
    static UPDATING: AtomicBool = AtomicBool::new(false);
    /// `[lowest start, highest end)` over all regions: the fault handler's
    /// quick test, so that other faults (copy-on-write, heap) pay two loads.
    static SPAN: [AtomicU32; 2] = [AtomicU32::new(0), AtomicU32::new(0)];

    fn table() -> Regions {
        // SAFETY: a plain copy of plain data; no reference is kept.
        unsafe { core::ptr::read(REGIONS.0.get()) }
    }

    fn update(t: Regions) {
        UPDATING.store(true, Ordering::SeqCst);
        // SAFETY: as in `table`.
        unsafe { core::ptr::write(REGIONS.0.get(), t) };
        let lo = t.iter().map(|r| r.start).min().unwrap_or(0);
        let hi = t.iter().map(|r| r.end).max().unwrap_or(0);
        SPAN[0].store(lo, Ordering::SeqCst);
        SPAN[1].store(hi, Ordering::SeqCst);
        UPDATING.store(false, Ordering::SeqCst);
    }

    /// The region holding `va`, as the fault handler sees it.
    fn region_of(va: u32) -> Option<Region> {
        let span = SPAN[0].load(Ordering::SeqCst)..SPAN[1].load(Ordering::SeqCst);
        if UPDATING.load(Ordering::SeqCst) || !span.contains(&va) {
            return None;
        }
        // SAFETY: not being written (UPDATING is clear, and an env is
        // single-threaded); the reference ends with this call.
        unsafe { (*REGIONS.0.get()).find(va) }
    }

    /// Whether any page of `[start, end)` is mapped.
    fn any_mapped(start: u32, end: u32) -> bool {
        for_each_page(start..end, |_, _| Err(0)).is_err()
    }

    /// Maps `len` bytes of the file open as `fd`, from byte `offset` on
    /// (a multiple of PGSIZE), with `prot` (PROT_*) and `flags` (exactly
    /// one of MAP_SHARED and MAP_PRIVATE, maybe MAP_FIXED). Without
    /// MAP_FIXED, `addr` is ignored and the library chooses. Returns the
    /// address, or -E_INVAL for bad arguments (see docs/mmap.md), -E_NO_MEM
    /// when there is no room or no free region or handle.
    pub fn mmap(
        addr: usize,
        len: usize,
        prot: i32,
        flags: i32,
        fd: i32,
        offset: i32,
    ) -> Result<usize, i32> {
        let len = check_request(addr, len, prot, flags, offset)?;
        let fdp = fd_lookup(fd)?;
        let mode = fdp.omode() & O_ACCMODE;
        let shared_write = flags & MAP_SHARED != 0 && prot & PROT_WRITE != 0;
        if fdp.dev_id() != DEV_FILE || mode == O_WRONLY || (shared_write && mode == O_RDONLY) {
            return Err(-E_INVAL);
        }
        let st = crate::fd::fstat(fd)?;
        if st.st_size <= 0 || st.st_isdir {
            return Err(-E_INVAL);
        }
        let mut t = table();
        let start = if flags & MAP_FIXED != 0 {
            if addr as u64 + len as u64 > MMAP_TOP as u64 {
                return Err(-E_INVAL);
            }
            let (start, end) = (addr as u32, addr as u32 + len);
            let heap = (crate::heap::heap_start(), crate::heap::brk());
            if !fixed_range_ok(start, end, heap) || t.overlaps(start, end) || any_mapped(start, end)
            {
                return Err(-E_INVAL);
            }
            start
        } else {
            t.first_free(len, MMAP_BASE, MMAP_TOP, any_mapped)
                .ok_or(-E_NO_MEM)?
        };
        let handle = (0..MAXMMAPFD)
            .find(|&h| !t.uses_handle(h) && uvpt(mmap_fd_page(h)).is_none())
            .ok_or(-E_NO_MEM)?;
        if t.is_full() {
            return Err(-E_NO_MEM);
        }
        let perm = uvpt(fdp.page()).ok_or(-E_INVAL)? & PTE_SYSCALL;
        // SAFETY: a free page of the handle window; only raw pointers read it.
        unsafe { sys_page_map(0, fdp.page(), 0, mmap_fd_page(handle), perm)? };
        let region = Region {
            start,
            end: start + len,
            offset: offset as u32,
            prot,
            flags: flags & !MAP_FIXED,
            handle,
        };
        t.insert(region)?;
        update(t);
        Ok(start as usize)
    }

    /// Checks a page-aligned, nonempty range below UTOP.
    fn check_range(addr: usize, len: usize) -> Result<(u32, u32), i32> {
        let end = addr as u64 + len as u64;
        if !addr.is_multiple_of(PGSIZE as usize) || len == 0 || end > UTOP as u64 {
            return Err(-E_INVAL);
        }
        let end = (end.div_ceil(PGSIZE as u64) * PGSIZE as u64) as u32;
        Ok((addr as u32, end))
    }

    fn fileid(r: &Region) -> i32 {
        fsipc::fd_at(mmap_fd_page(r.handle)).fd_file_id
    }

    /// Unmaps every page of `piece`; a MAP_SHARED writable piece that had
    /// pages in is then written back (the server flushes the file).
    fn unmap_piece(piece: &Region) {
        let mut had_pages = false;
        let _ = for_each_page(piece.start..piece.end, |va, _| {
            had_pages = true;
            // SAFETY: a page of the mapping being removed; Rust code
            // reaches mapped memory only through the pointers mmap gave.
            unsafe { sys_page_unmap(0, va) }
        });
        if had_pages && piece.shared() && piece.writable() {
            let _ = fsipc::flush(fileid(piece));
        }
    }

    /// Removes the mappings in `[addr, addr + len)` (page-aligned start;
    /// parts of regions are fine, and a range with no mapping is too).
    /// Dirty MAP_SHARED pages are written to the file.
    pub fn munmap(addr: usize, len: usize) -> Result<(), i32> {
        let (start, end) = check_range(addr, len)?;
        let before = table();
        let mut t = before;
        t.remove_range(start, end, unmap_piece)?;
        for h in 0..MAXMMAPFD {
            if !t.uses_handle(h) && before.uses_handle(h) {
                // SAFETY: no region uses the handle any more.
                let _ = unsafe { sys_page_unmap(0, mmap_fd_page(h)) };
            }
        }
        update(t);
        Ok(())
    }

    /// Writes the MAP_SHARED mappings in `[addr, addr + len)` to their files.
    pub fn msync(addr: usize, len: usize) -> Result<(), i32> {
        let (start, end) = check_range(addr, len)?;
        for r in table()
            .iter()
            .filter(|r| r.clip(start, end).is_some() && r.shared())
        {
            let e = fsipc::flush(fileid(r));
            if e < 0 {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Removes every mapping (what `exit` does first).
    pub fn munmap_all() {
        let _ = munmap(0, UTOP as usize);
    }

    /// The fault handler, the chain's first policy (`pgfault.rs`).
    pub fn handle(utf: &UTrapframe) -> Verdict {
        let va = utf.utf_fault_va;
        let Some(r) = region_of(va) else {
            return Verdict::NotMine;
        };
        let page = round_down(va, PGSIZE);
        let write = utf.utf_err & FEC_WR != 0;
        if write && !r.writable() {
            crate::cprintf!(
                "[%08x] mmap: write to read-only mapping at va %08x\n",
                sys_getenvid(),
                va
            );
            return Verdict::Refused;
        }
        let done = match uvpt(page) {
            None => page_in(&r, page, write),
            Some(pte) if write && pte & PTE_W == 0 && !r.shared() => copy_private(page),
            Some(_) => return Verdict::NotMine,
        };
        match done {
            Ok(()) => Verdict::Handled,
            Err(e) => {
                crate::cprintf!(
                    "[%08x] mmap: cannot page in va %08x: %e\n",
                    sys_getenvid(),
                    va,
                    e
                );
                Verdict::Refused
            }
        }
    }

    /// Borrows the server's page for `page` of region `r`; a write to a
    /// MAP_PRIVATE region then takes a private copy at once.
    fn page_in(r: &Region, page: u32, write: bool) -> Result<(), i32> {
        let perm = match (r.shared(), r.writable()) {
            (true, true) => PTE_W | PTE_SHARE,
            (true, false) => PTE_SHARE,
            (false, _) => 0,
        };
        let got = fsipc::map_block(fileid(r), r.file_offset(page), perm, page);
        if got < 0 {
            return Err(got);
        }
        if uvpt(page).is_none() {
            return Err(-E_INVAL);
        }
        if write && !r.shared() {
            copy_private(page)?;
        }
        Ok(())
    }

    /// Replaces the read-only mapping at `page` by a private writable copy.
    fn copy_private(page: u32) -> Result<(), i32> {
        let rw = PTE_P | PTE_U | PTE_W;
        // SAFETY: PFTEMP is the library's scratch page for copies; the
        // copy does not fault (both pages are mapped), so nothing nests.
        unsafe {
            sys_page_alloc(0, PFTEMP, rw)?;
            crate::x86::copy_words(PFTEMP as *mut u32, page as *const u32, PGSIZE as usize / 4);
            sys_page_map(0, PFTEMP, 0, page, rw)?;
            sys_page_unmap(0, PFTEMP)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inc::fs::mmap_fd_page;

    const HEAP: (u32, u32) = (0x0080_4000, 0x0090_0000);

    fn region(start: u32, pages: u32, offset: u32) -> Region {
        Region {
            start,
            end: start + pages * PGSIZE,
            offset,
            prot: PROT_READ,
            flags: MAP_SHARED,
            handle: 3,
        }
    }

    #[test]
    fn requests_are_checked() {
        let ok = |a, l, p, f, o| check_request(a, l, p, f, o);
        assert_eq!(ok(0, 1, PROT_READ, MAP_SHARED, 0), Ok(PGSIZE));
        assert_eq!(
            ok(0, 8193, PROT_READ | PROT_WRITE, MAP_PRIVATE, 4096),
            Ok(3 * PGSIZE)
        );
        let bad = Err(-E_INVAL);
        assert_eq!(ok(0, 0, PROT_READ, MAP_SHARED, 0), bad, "zero length");
        assert_eq!(ok(0, 1, 0, MAP_SHARED, 0), bad, "PROT_NONE");
        assert_eq!(ok(0, 1, 4, MAP_SHARED, 0), bad, "unknown prot");
        assert_eq!(
            ok(0, 1, PROT_READ, MAP_SHARED | MAP_PRIVATE, 0),
            bad,
            "both kinds"
        );
        assert_eq!(ok(0, 1, PROT_READ, MAP_FIXED, 0), bad, "neither kind");
        assert_eq!(
            ok(0, 1, PROT_READ, MAP_SHARED | 0x20, 0),
            bad,
            "unknown flag"
        );
        assert_eq!(
            ok(0, 1, PROT_READ, MAP_SHARED, 100),
            bad,
            "unaligned offset"
        );
        assert_eq!(
            ok(0, 1, PROT_READ, MAP_SHARED, -4096),
            bad,
            "negative offset"
        );
        assert_eq!(
            ok(0x1000_0123, 1, PROT_READ, MAP_SHARED | MAP_FIXED, 0),
            bad,
            "unaligned fixed"
        );
        // Without MAP_FIXED the address is only a hint: never refused.
        assert_eq!(ok(0x1000_0123, 1, PROT_READ, MAP_SHARED, 0), Ok(PGSIZE));
        assert_eq!(
            ok(0, usize::MAX, PROT_READ, MAP_SHARED, 0),
            bad,
            "huge length"
        );
    }

    #[test]
    fn fixed_ranges_stay_clear_of_what_is_not_theirs() {
        assert!(fixed_range_ok(0x1000_0000, 0x1000_2000, HEAP));
        assert!(!fixed_range_ok(0, PGSIZE, HEAP), "null");
        assert!(
            !fixed_range_ok(UTEXT - PGSIZE, UTEXT, HEAP),
            "below the text"
        );
        assert!(
            !fixed_range_ok(0x0080_0000 + 0x8000, 0x0080_0000 + 0x9000, HEAP),
            "in the heap"
        );
        assert!(
            fixed_range_ok(HEAP.1, HEAP.1 + PGSIZE, HEAP),
            "right after the break"
        );
        assert!(
            !fixed_range_ok(FDTABLE, FDTABLE + PGSIZE, HEAP),
            "the fd table"
        );
        assert!(
            !fixed_range_ok(mmap_fd_page(0) - PGSIZE, mmap_fd_page(0) + PGSIZE, HEAP),
            "handles"
        );
        assert!(
            !fixed_range_ok(TEXT_MAP, TEXT_MAP + PGSIZE, HEAP),
            "the text map"
        );
        assert!(fixed_range_ok(
            TEXT_MAP + PGSIZE,
            TEXT_MAP + 2 * PGSIZE,
            HEAP
        ));
        assert!(fixed_range_ok(MMAP_TOP - PGSIZE, MMAP_TOP, HEAP));
        assert!(
            !fixed_range_ok(MMAP_TOP, MMAP_TOP + PGSIZE, HEAP),
            "the stack's area"
        );
        assert!(
            !fixed_range_ok(inc::memlayout::UTOP, inc::memlayout::UTOP + PGSIZE, HEAP),
            "kernel"
        );
    }

    #[test]
    fn find_and_overlap() {
        let mut t = Regions::new();
        t.insert(region(MMAP_BASE, 2, 0)).unwrap();
        assert_eq!(t.find(MMAP_BASE + 0x1fff).map(|r| r.start), Some(MMAP_BASE));
        assert_eq!(t.find(MMAP_BASE + 0x2000), None);
        assert!(t.overlaps(MMAP_BASE + 0x1000, MMAP_BASE + 0x5000));
        assert!(!t.overlaps(MMAP_BASE + 0x2000, MMAP_BASE + 0x5000));
        assert!(t.uses_handle(3) && !t.uses_handle(4));
    }

    #[test]
    fn first_free_skips_regions_and_mapped_pages() {
        let mut t = Regions::new();
        t.insert(region(MMAP_BASE, 2, 0)).unwrap();
        let none = |_: u32, _: u32| false;
        assert_eq!(
            t.first_free(PGSIZE, MMAP_BASE, MMAP_TOP, none),
            Some(MMAP_BASE + 0x2000)
        );
        let third_taken = |s: u32, e: u32| s <= MMAP_BASE + 0x2000 && MMAP_BASE + 0x2000 < e;
        assert_eq!(
            t.first_free(PGSIZE, MMAP_BASE, MMAP_TOP, third_taken),
            Some(MMAP_BASE + 0x3000)
        );
        assert_eq!(
            t.first_free(3 * PGSIZE, MMAP_BASE, MMAP_BASE + 0x4000, none),
            None
        );
    }

    #[test]
    fn unmapping_trims_and_splits_with_the_right_offsets() {
        let mut t = Regions::new();
        t.insert(region(MMAP_BASE, 4, 0x3000)).unwrap();
        let mut gone = Vec::new();
        // The middle two pages: two regions remain.
        t.remove_range(MMAP_BASE + 0x1000, MMAP_BASE + 0x3000, |r| gone.push(*r))
            .unwrap();
        assert_eq!(
            gone,
            vec![Region {
                start: MMAP_BASE + 0x1000,
                end: MMAP_BASE + 0x3000,
                offset: 0x4000,
                ..region(0, 0, 0)
            }]
        );
        let mut left: Vec<_> = t.iter().map(|r| (r.start, r.end, r.offset)).collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                (MMAP_BASE, MMAP_BASE + 0x1000, 0x3000),
                (MMAP_BASE + 0x3000, MMAP_BASE + 0x4000, 0x6000)
            ]
        );
        // The front, then everything; unmapping nothing is fine.
        t.remove_range(0, MMAP_BASE + 0x1000, |_| {}).unwrap();
        assert_eq!(t.iter().count(), 1);
        t.remove_range(0, inc::memlayout::UTOP, |_| {}).unwrap();
        assert_eq!(t.iter().count(), 0);
        t.remove_range(MMAP_BASE, MMAP_BASE + 0x1000, |_| {
            panic!("nothing is mapped")
        })
        .unwrap();
    }

    #[test]
    fn a_split_in_a_full_table_changes_nothing() {
        let mut t = Regions::new();
        for i in 0..MAXREGIONS as u32 {
            t.insert(region(MMAP_BASE + i * 0x10000, 4, 0)).unwrap();
        }
        assert_eq!(t.insert(region(MMAP_TOP - PGSIZE, 1, 0)), Err(-E_NO_MEM));
        let r = t.remove_range(MMAP_BASE + 0x1000, MMAP_BASE + 0x2000, |_| {
            panic!("changed")
        });
        assert_eq!(r, Err(-E_NO_MEM));
        // Trimming an end needs no slot.
        t.remove_range(MMAP_BASE, MMAP_BASE + 0x1000, |_| {})
            .unwrap();
        assert_eq!(t.find(MMAP_BASE + 0x1000).map(|r| r.offset), Some(0x1000));
    }
}
