//! Two-level x86 page tables (JOS lab 2, part 2), over a [`Frames`] table.
//!
//! A 32-bit virtual address splits into a page-directory index (bits
//! 31..22), a page-table index (21..12) and an offset (11..0). A directory
//! entry names a page table (or, with PTE_PS, a whole 4 MB page); a table
//! entry names a 4 KB frame. Each frame a user mapping names holds one
//! reference per mapping; each page table holds one reference for the
//! directory entry that points to it.
//!
//! Page-directory entries we create carry P|W|U, so the table entry alone
//! decides the rights (the hardware uses the stricter of the two).

use crate::addr::{PhysAddr, VirtAddr};
use crate::frames::{DirectMap, Frames};
use inc::error::{E_INVAL, E_NO_MEM};
use inc::memlayout::{NPTENTRIES, PGSIZE, PTSIZE, ULIM, UTOP, UVPT};
use inc::mmu::{pdx, pte_addr, PTE_P, PTE_PS, PTE_U, PTE_W};
use inc::syscall::BATCH_SRC_TOO;

/// A page directory, named by its kernel virtual address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PgDir(pub VirtAddr);

impl PgDir {
    pub fn pa(self) -> PhysAddr {
        self.0
            .kva_to_pa()
            .expect("page directories live in the direct map")
    }

    /// The directory of the frame at `pa` (KERNBASE + pa, as in the kernel).
    pub fn at(pa: PhysAddr) -> PgDir {
        PgDir(pa.to_kva().expect("page directory beyond the direct map"))
    }
}

type Table = [u32; NPTENTRIES];

/// The page table (or directory) stored in frame `pa`.
///
/// # Safety
/// The frame must hold a page table or directory; the caller must own the
/// frames exclusively (`&mut Frames`: in the kernel, under the pmap lock),
/// and keep no other reference to the same table alive while it uses this
/// one, nor use it past its own hold on the frames.
unsafe fn table<'a>(map: &DirectMap, pa: PhysAddr) -> &'a mut Table {
    // SAFETY: `ptr` checks that pa lies in the map; the rest is the caller's.
    unsafe { &mut *map.ptr::<Table>(PhysAddr(pte_addr(pa.0))) }
}

// Every `table` call below is sound for the same reason unless it says
// otherwise: the function holds `&mut Frames` (or, at boot, the only
// DirectMap), the frame is a directory or a page table it names, and the
// reference ends before the next `table` call on the same frame.

/// Base physical address of a 4 MB page-directory entry.
fn large_base(pde: u32) -> u32 {
    pde & !(PTSIZE - 1)
}

/// The entry that maps `va`: the page-table entry, or for a 4 MB page the
/// directory entry itself. With `create`, a missing page table is
/// allocated (zeroed); `None` if absent and not created, or out of memory.
///
/// The entry borrows `f`: it cannot outlive the caller's hold on the frames
/// (in the kernel, the pmap lock).
///
/// Inlined (issue 11): every system call that maps or unmaps a page walks,
/// and the call cost as much as the walk. Making a table is kept apart.
#[inline]
pub fn walk(f: &mut Frames, pgdir: PgDir, va: VirtAddr, create: bool) -> Option<&mut u32> {
    // SAFETY: see the note above `walk`'s neighbours (the directory).
    let pde = &mut unsafe { table(f.map(), pgdir.pa()) }[va.pdx()];
    if *pde & PTE_P == 0 {
        if !create {
            return None;
        }
        *pde = new_table(f, pgdir)?;
    }
    if *pde & PTE_PS != 0 {
        return Some(pde);
    }
    // SAFETY: the page table the present, non-4 MB entry names; the
    // directory entry is not used again.
    Some(&mut unsafe { table(f.map(), PhysAddr(pte_addr(*pde))) }[va.ptx()])
}

/// A zeroed page table for an empty entry of `pgdir`, counted there; the
/// directory entry that names it. `None` when memory is exhausted.
#[inline(never)]
fn new_table(f: &mut Frames, pgdir: PgDir) -> Option<u32> {
    let pt = f.alloc(true)?;
    f.incref(pt).expect("a fresh frame holds no reference");
    // One more table (at most 1024: each one fills an empty entry).
    let n = f.tables(pgdir.pa());
    f.set_tables(pgdir.pa(), n + 1);
    Some(pt.0 | PTE_P | PTE_W | PTE_U)
}

/// Maps frame `pa` at `va` with `perm | PTE_P`, releasing whatever frame was
/// there. Re-inserting the mapped frame only changes the rights. A frame
/// that already holds MAX_PAGE_REFS references is refused (-E_NO_MEM)
/// before anything changes, page tables included. `Ok(true)` if `va` was
/// unmapped before, so that the address space has one mapping more (the
/// count quotas keep, pmap.rs).
pub fn insert(
    f: &mut Frames,
    pgdir: PgDir,
    pa: PhysAddr,
    va: VirtAddr,
    perm: u32,
) -> Result<bool, i32> {
    // Checked before anything changes; a re-map of the same frame takes no
    // new reference, so it is allowed even at the limit.
    let room = f.can_incref(pa);
    let pte: *mut u32 = match walk(f, pgdir, va, false) {
        Some(pte) => pte,
        None => {
            room?;
            walk(f, pgdir, va, true).ok_or(-E_NO_MEM)?
        }
    };
    // SAFETY: `pte` is va's entry in pgdir's table, just found; the
    // reference `walk` returned is gone.
    unsafe { insert_at(f, pgdir, pte, pa, va, perm) }
}

/// `insert` once the entry for `va` is found. A frame at the reference
/// limit is refused before the entry changes. `Ok(true)`: a new mapping.
///
/// # Safety
/// `pte` points at `va`'s entry in a page table of `pgdir`, reached through
/// the direct map, and no reference to that entry is alive. The frame
/// bookkeeping below (`incref`, `decref`, the TLB's) touches PageInfo
/// entries and limbo lists, never a page table's contents.
///
/// Always inlined (issue 11): as a call it cost sys_page_alloc 27
/// instructions, and plain `#[inline]` was not taken.
#[inline(always)]
unsafe fn insert_at(
    f: &mut Frames,
    pgdir: PgDir,
    pte: *mut u32,
    pa: PhysAddr,
    va: VirtAddr,
    perm: u32,
) -> Result<bool, i32> {
    // SAFETY: see the contract above.
    let old = unsafe { pte.read() };
    assert!(
        old & PTE_PS == 0,
        "page_insert into a 4 MB mapping at {:#x}",
        va.0
    );
    if old & PTE_P != 0 && pte_addr(old) == pa.0 {
        // The same frame again: only the rights change, no reference moves.
        // SAFETY: as above.
        unsafe { pte.write(pa.0 | perm | PTE_P) };
        forget_mapping(f, pgdir, va);
        return Ok(false);
    }
    f.incref(pa)?;
    // SAFETY: as above.
    unsafe { pte.write(pa.0 | perm | PTE_P) };
    if old & PTE_P == 0 {
        return Ok(true);
    }
    forget_mapping(f, pgdir, va);
    f.decref(PhysAddr(pte_addr(old)));
    Ok(false)
}

/// Most pages one [`map_batch`] call may name (the system call copies the
/// list onto the kernel stack: 1 KB).
pub const MAP_BATCH_MAX: usize = inc::syscall::PAGE_MAP_BATCH_MAX as usize;

/// Maps many pages from `src` into `dst` at the same addresses, all or
/// nothing. Each entry of `pages` is a page address below UTOP with the
/// permissions in its low 12 bits (`inc::syscall::batch_entry`). Every
/// entry gets sys_page_map's checks, against the mappings as they were when
/// the call began: perm has U|P and nothing outside PTE_SYSCALL, the page
/// is mapped in `src`, and W only from a writable page (else -E_INVAL); a
/// frame within `pages.len()` of the reference limit is refused
/// (-E_NO_MEM), since the batch might take that many references to it.
/// Then `dst` gets a page table for each page (-E_NO_MEM if one cannot be
/// had; tables made before that stay, empty of new mappings), and a batch
/// that might add more than `room` mappings to `dst` (its quota) is refused
/// (-E_NO_MEM; see [`count_unmapped`]). Only when all of that passed is any
/// mapping changed. `src == dst` re-protects. An entry whose permissions
/// carry [`BATCH_SRC_TOO`] also gives `src`'s own mapping of the page
/// those permissions (the same checks cover it: its frame stays, and W
/// only if it had W).
/// `Ok(n)`: `n` pages of `dst` were unmapped before and are mapped now.
pub fn map_batch(
    f: &mut Frames,
    src: PgDir,
    dst: PgDir,
    pages: &[u32],
    room: u32,
) -> Result<u32, i32> {
    if pages.len() > MAP_BATCH_MAX {
        return Err(-E_INVAL);
    }
    // First the checks that need no page table (a va at or above UTOP must
    // never reach the walks below: dst's tables there are the kernel's).
    for &entry in pages {
        let (va, perm) = batch_split(entry);
        if va.0 >= UTOP || !crate::userptr::perm_ok(perm & !BATCH_SRC_TOO) {
            return Err(-E_INVAL);
        }
    }
    // Then each run of pages in one 4 MB range: src's entries, and a page
    // table in dst for them.
    let most_new_refs = pages.len() as u32;
    for run in runs(pages) {
        let first = batch_split(run[0]).0;
        let src_pt = table_of(f, src, first, false).ok_or(-E_INVAL)?;
        for &entry in run {
            let (va, perm) = batch_split(entry);
            // SAFETY: src's page table, read once; no reference is kept.
            let pte = unsafe { table(f.map(), src_pt) }[va.ptx()];
            if !may_map_with(pte, perm) {
                return Err(-E_INVAL);
            }
            let refs = f.refcount(PhysAddr(pte_addr(pte))) as u32;
            if refs + most_new_refs > crate::frames::MAX_PAGE_REFS as u32 {
                return Err(-E_NO_MEM);
            }
        }
        table_of(f, dst, first, true).ok_or(-E_NO_MEM)?;
    }
    // Counting walks every page: only near the quota.
    if room < pages.len() as u32 && count_unmapped(f, dst, pages) > room {
        return Err(-E_NO_MEM);
    }
    // Only dst changes from here on (and src's rights, never its frames,
    // at flagged entries), and only at the listed pages: with src == dst a
    // page keeps its frame and only its rights change. So each frame read
    // again is the checked one.
    let mut new_mappings = 0;
    let (mut reprotected, mut src_reprotected) = (false, false);
    for run in runs(pages) {
        let first = batch_split(run[0]).0;
        let src_pt = table_of(f, src, first, false).expect("checked above");
        let dst_pt = table_of(f, dst, first, false).expect("made above");
        // Raw pointers: with src == dst both name the same table.
        let src_table = f.map().ptr::<u32>(src_pt) as *const u32;
        let dst_table = f.map().ptr::<u32>(dst_pt);
        for &entry in run {
            let (va, flagged) = batch_split(entry);
            let perm = flagged & !BATCH_SRC_TOO;
            // SAFETY: both are page tables (NPTENTRIES entries, ptx below
            // that) reached through the direct map under the pmap lock, and
            // no reference into them is alive.
            let (pa, pte) = unsafe {
                let pa = PhysAddr(pte_addr(src_table.add(va.ptx()).read()));
                (pa, dst_table.add(va.ptx()))
            };
            if flagged & BATCH_SRC_TOO != 0 {
                // The source keeps its frame with the new rights (checked:
                // no W it did not have). Written before dst's entry, so
                // with src == dst the entry below sees a re-protection.
                // SAFETY: as above; a raw write into src's table.
                unsafe {
                    (src_table as *mut u32)
                        .add(va.ptx())
                        .write(pa.0 | perm | PTE_P)
                };
                crate::pmap::tlb_invalidate(src, va);
                src_reprotected = true;
            }
            // SAFETY: `pte` is va's entry in dst's table (just above).
            let old = unsafe { pte.read() };
            if old & PTE_P != 0 && pte_addr(old) == pa.0 {
                // Re-protection (fork's own pages): as in insert_at, but the
                // other CPUs' TLBs are accounted for once, after the loop.
                // SAFETY: as above.
                unsafe { pte.write(pa.0 | perm | PTE_P) };
                crate::pmap::tlb_invalidate(dst, va);
                reprotected = true;
                continue;
            }
            if old & PTE_P == 0 {
                // A new mapping (fork's child): as in insert_at, inline.
                f.incref(pa).expect("the reference limit was checked above");
                // SAFETY: as above.
                unsafe { pte.write(pa.0 | perm | PTE_P) };
                new_mappings += 1;
                continue;
            }
            // SAFETY: as above.
            unsafe { insert_at(f, dst, pte, pa, va, perm) }
                .expect("the reference limit was checked above");
        }
    }
    // No frame was released because of a re-protection, so telling the
    // tracker at the end is as good as at each page (a replaced frame, the
    // only kind released here, is accounted for by insert_at before that).
    if reprotected {
        f.tlb.unmapped(crate::pmap::this_cpu(), dst.pa());
    }
    if src_reprotected {
        f.tlb.unmapped(crate::pmap::this_cpu(), src.pa());
    }
    Ok(new_mappings)
}

/// How many of the pages a [`map_batch`] list names are unmapped in
/// `pgdir` now: at most that many mappings the batch adds (a page listed
/// twice counts twice). Entries at or above UTOP are not counted
/// (map_batch refuses them).
pub fn count_unmapped(f: &mut Frames, pgdir: PgDir, pages: &[u32]) -> u32 {
    let mut unmapped = 0;
    for &entry in pages {
        let va = batch_split(entry).0;
        unmapped += u32::from(va.0 < UTOP && lookup(f, pgdir, va).is_none());
    }
    unmapped
}

/// The runs of consecutive entries of `pages` that lie in one 4 MB range
/// (one page table), in order.
fn runs(pages: &[u32]) -> impl Iterator<Item = &[u32]> {
    pages.chunk_by(|&a, &b| pdx(a) == pdx(b))
}

/// The page table (not a 4 MB page: there are none below UTOP) that maps
/// `va` in `pgdir`, made if `create`; as `walk`.
fn table_of(f: &mut Frames, pgdir: PgDir, va: VirtAddr, create: bool) -> Option<PhysAddr> {
    walk(f, pgdir, va, create)?;
    // SAFETY: the directory, read once.
    let pde = unsafe { table(f.map(), pgdir.pa()) }[va.pdx()];
    assert!(pde & PTE_PS == 0, "4 MB page below UTOP");
    Some(PhysAddr(pte_addr(pde)))
}

/// A batch entry's page address and permissions.
fn batch_split(entry: u32) -> (VirtAddr, u32) {
    (VirtAddr(entry & !(PGSIZE - 1)), entry & (PGSIZE - 1))
}

/// The frame (4 KB page) mapped at `va` and the entry that maps it.
pub fn lookup(f: &mut Frames, pgdir: PgDir, va: VirtAddr) -> Option<(PhysAddr, u32)> {
    let entry = *walk(f, pgdir, va, false)?;
    if entry & PTE_P == 0 {
        return None;
    }
    let pa = if entry & PTE_PS != 0 {
        large_base(entry) + va.page_down().0 % PTSIZE
    } else {
        pte_addr(entry)
    };
    Some((PhysAddr(pa), entry))
}

/// The frame mapped at `va` in `pgdir`, if sys_page_map may map it
/// elsewhere with `perm`: it is mapped, and W only from a writable page.
/// -E_INVAL otherwise. (Whether `perm` itself is allowed is the caller's
/// check.)
pub fn mappable(f: &mut Frames, pgdir: PgDir, va: VirtAddr, perm: u32) -> Result<PhysAddr, i32> {
    let (pa, pte) = lookup(f, pgdir, va).ok_or(-E_INVAL)?;
    if !may_map_with(pte, perm) {
        return Err(-E_INVAL);
    }
    Ok(pa)
}

/// sys_page_map's rule for the page a mapping is made from: present, and
/// writable if the new mapping asks for W (map_batch, mappable, reprotect).
fn may_map_with(pte: u32, perm: u32) -> bool {
    pte & PTE_P != 0 && (perm & PTE_W == 0 || pte & PTE_W != 0)
}

/// sys_page_map of a page onto itself (the same directory and address):
/// what [`mappable`] then [`insert`] would do, the page keeping its frame
/// with `perm | PTE_P`, but with one walk instead of their two. Fork's
/// copy-on-write re-protects every page this way. -E_INVAL, and nothing
/// changes, if `va` is unmapped or `perm` asks for W the page lacks.
pub fn reprotect(f: &mut Frames, pgdir: PgDir, va: VirtAddr, perm: u32) -> Result<(), i32> {
    let pte = walk(f, pgdir, va, false).ok_or(-E_INVAL)?;
    let old = *pte;
    if !may_map_with(old, perm) {
        return Err(-E_INVAL);
    }
    assert!(
        old & PTE_PS == 0,
        "page_map of a 4 MB mapping at {:#x}",
        va.0
    );
    *pte = pte_addr(old) | perm | PTE_P;
    forget_mapping(f, pgdir, va);
    Ok(())
}

/// Unmaps `va` and drops the frame's reference; nothing if unmapped.
/// `true` if there was a mapping.
pub fn remove(f: &mut Frames, pgdir: PgDir, va: VirtAddr) -> bool {
    let Some(pte) = walk(f, pgdir, va, false) else {
        return false;
    };
    if *pte & PTE_P == 0 {
        return false;
    }
    assert!(
        *pte & PTE_PS == 0,
        "page_remove of a 4 MB mapping at {:#x}",
        va.0
    );
    let old = PhysAddr(pte_addr(*pte));
    *pte = 0;
    forget_mapping(f, pgdir, va);
    f.decref(old);
    true
}

/// After clearing the entry for `va`: drops this CPU's TLB entry and tells
/// the tracker, so that if another CPU runs `pgdir` the frame, once its
/// last reference goes, waits in limbo until that CPU reloads CR3.
fn forget_mapping(f: &mut Frames, pgdir: PgDir, va: VirtAddr) {
    crate::pmap::tlb_invalidate(pgdir, va);
    f.tlb.unmapped(crate::pmap::this_cpu(), pgdir.pa());
}

/// Maps `[va, va + size)` onto `[pa, pa + size)` with 4 KB pages and
/// `perm | PTE_P`, without touching refcounts (for memory the allocator
/// does not hand out: the kernel, boot allocations, device registers).
/// Panics if a page table cannot be allocated: only boot code calls it.
pub fn boot_map_region(
    f: &mut Frames,
    pgdir: PgDir,
    va: VirtAddr,
    size: u32,
    pa: PhysAddr,
    perm: u32,
) {
    for off in (0..size).step_by(PGSIZE as usize) {
        let (page, frame) = region_page(va, pa, off);
        let pte = walk(f, pgdir, page, true).expect("boot_map_region: out of memory");
        *pte = frame.0 | perm | PTE_P;
    }
}

/// The virtual and physical addresses `off` bytes into a boot region
/// (which the kernel lays out so that neither wraps).
fn region_page(va: VirtAddr, pa: PhysAddr, off: u32) -> (VirtAddr, PhysAddr) {
    let page = va.checked_add(off).expect("boot region wraps");
    let frame = pa.checked_add(off).expect("boot region wraps");
    (page, frame)
}

/// As [`boot_map_region`] with 4 MB pages (the CPU must have PSE); `va`,
/// `pa` and `size` must be multiples of 4 MB.
pub fn boot_map_region_large(
    pgdir: PgDir,
    map: &DirectMap,
    va: VirtAddr,
    size: u32,
    pa: PhysAddr,
    perm: u32,
) {
    let aligned = |a: u32| a.is_multiple_of(PTSIZE);
    assert!(aligned(va.0) && aligned(pa.0) && aligned(size));
    // SAFETY: the directory; boot code has the only DirectMap.
    let dir = unsafe { table(map, pgdir.pa()) };
    for off in (0..size).step_by(PTSIZE as usize) {
        let (page, frame) = region_page(va, pa, off);
        dir[page.pdx()] = frame.0 | perm | PTE_PS | PTE_P;
    }
}

/// A new directory sharing `kern`'s mappings at and above UTOP, empty
/// below, with UVPT mapping the directory itself read-only for the user.
pub fn create(f: &mut Frames, kern: PgDir) -> Result<PgDir, i32> {
    let pa = f.alloc(true).ok_or(-E_NO_MEM)?;
    f.incref(pa).expect("a fresh frame holds no reference");
    f.set_tables(pa, 0);
    // SAFETY: a fresh directory and the kernel's: two different frames.
    let (dir, kdir) = unsafe { (table(f.map(), pa), table(f.map(), kern.pa())) };
    copy_entries(&mut dir[pdx(UTOP)..], &kdir[pdx(UTOP)..]);
    let pgdir = PgDir::at(pa);
    install_self_map(f.map(), pgdir);
    Ok(pgdir)
}

/// `dst.copy_from_slice(src)`; on the machine one `rep movsl` (the kernel's
/// 69 entries above UTOP: about 80 instructions, `memcpy` about 450).
fn copy_entries(dst: &mut [u32], src: &[u32]) {
    assert_eq!(dst.len(), src.len());
    #[cfg(target_os = "none")]
    crate::x86::copy_u32s(dst, src);
    #[cfg(not(target_os = "none"))]
    dst.copy_from_slice(src);
}

/// Points the UVPT entry at the directory itself, user read-only: the
/// directory then serves as the page table for [UVPT, UVPT + 4 MB), so
/// `uvpt[va >> 12]` is the PTE of va and `uvpd[va >> 22]` its PDE.
pub fn install_self_map(map: &DirectMap, pgdir: PgDir) {
    // SAFETY: the directory, for one store.
    let dir = unsafe { table(map, pgdir.pa()) };
    dir[pdx(UVPT)] = pgdir.pa().0 | PTE_P | PTE_U;
}

/// Releases every frame mapped below UTOP, the page tables that mapped them,
/// and the directory. The shared kernel tables above UTOP stay.
///
/// The directory's table count (`Frames::tables`, kept by `walk`, the only
/// place a user table is added) ends the scan at the last table: a
/// directory that never had one, such as an exofork child destroyed
/// before it ran, is not scanned at all (issue 11: 956 entries, about
/// 1,000 instructions).
pub fn free(f: &mut Frames, pgdir: PgDir) {
    // SAFETY: the directory. `free_table` and `decref` touch only the
    // page tables' own entries and PageInfo entries, never the directory.
    let dir = unsafe { table(f.map(), pgdir.pa()) };
    let user = pdx(UTOP);
    let mut left = f.tables(pgdir.pa());
    let mut i = if left == 0 {
        user
    } else {
        first_nonzero(&dir[..user])
    };
    while i < user {
        let pde = core::mem::take(&mut dir[i]);
        if pde & PTE_P != 0 {
            assert!(pde & PTE_PS == 0, "4 MB page below UTOP");
            let pt = PhysAddr(pte_addr(pde));
            free_table(f, pt);
            f.decref(pt);
            left -= 1;
            if left == 0 {
                break;
            }
        }
        i += 1 + first_nonzero(&dir[i + 1..user]);
    }
    f.set_tables(pgdir.pa(), 0);
    f.decref(pgdir.pa());
}

/// Drops the frame of every present entry of page table `pt`.
fn free_table(f: &mut Frames, pt: PhysAddr) {
    // SAFETY: a page table (not the directory); `decref` touches only
    // PageInfo entries.
    let entries = unsafe { table(f.map(), pt) };
    let mut i = first_nonzero(entries);
    while i < entries.len() {
        let pte = core::mem::take(&mut entries[i]);
        if pte & PTE_P != 0 {
            f.decref(PhysAddr(pte_addr(pte)));
        }
        i += 1 + first_nonzero(&entries[i + 1..]);
    }
}

/// The index of the first nonzero entry of `entries` (`entries.len()` if
/// none). Entries below UTOP are 0 or present, and most are 0: on the
/// machine this is one `repe scasl`, which made freeing an address space
/// with few page tables five times cheaper than testing each entry.
fn first_nonzero(entries: &[u32]) -> usize {
    #[cfg(target_os = "none")]
    return crate::x86::first_nonzero(entries);
    #[cfg(not(target_os = "none"))]
    entries
        .iter()
        .position(|&e| e != 0)
        .unwrap_or(entries.len())
}

/// JOS's `user_mem_check`: is every page of `[va, va + len)` below ULIM and
/// mapped with `perm | PTE_P`? On failure, the first bad address: `va`
/// itself if its own page is bad, else the start of the first bad page.
/// An empty range touches no byte and always passes, wherever it points.
/// The directory entry must grant `perm` too: the MMU ANDs the two, and
/// UVPT's entry (the directory seen as a page table) is read-only over
/// PTEs that say W (syscallfuzz found the kernel writing a bitmap there).
pub fn user_mem_check(
    f: &mut Frames,
    pgdir: PgDir,
    va: VirtAddr,
    len: u32,
    perm: u32,
) -> Result<(), VirtAddr> {
    if len == 0 {
        // Else an unaligned va would have its page checked (and a bad one
        // reported) while an aligned one would not.
        return Ok(());
    }
    let need = perm | PTE_P;
    // A range running past the top of the address space ends there: its
    // pages from ULIM on fail anyway, and the loop stops at the first.
    let last_page = va.0.saturating_add(len - 1) & !(PGSIZE - 1);
    let mut page = va.page_down().0;
    loop {
        if page >= ULIM || user_entry(f, pgdir, VirtAddr(page)) & need != need {
            return Err(VirtAddr(page).max(va));
        }
        if page == last_page {
            return Ok(());
        }
        page += PGSIZE;
    }
}

/// The rights a user access to `va` (below ULIM) gets in `pgdir`: the
/// page-table entry ANDed with its directory entry (the MMU grants only what
/// both grant), the directory entry alone for a 4 MB page, 0 with no table.
/// One read of each, where `walk` and a separate directory read took two
/// of the directory (issue 11: every fault upcall checks its frame so).
fn user_entry(f: &mut Frames, pgdir: PgDir, va: VirtAddr) -> u32 {
    // SAFETY: the directory, one entry read.
    let pde = unsafe { table(f.map(), pgdir.pa()) }[va.pdx()];
    if pde & PTE_P == 0 {
        return 0;
    }
    if pde & PTE_PS != 0 {
        return pde;
    }
    // SAFETY: the page table the present, non-4 MB entry names; one read.
    pde & unsafe { table(f.map(), PhysAddr(pte_addr(pde))) }[va.ptx()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::testmem::{frames, Arena};

    /// A `map_batch` room that never limits.
    const ANY: u32 = u32::MAX;
    use crate::frames::MAX_PAGE_REFS;
    use inc::memlayout::{KERNBASE, UENVS};
    use inc::mmu::{PTE_COW, PTE_G, PTE_PWT};
    use std::collections::HashMap;

    /// A zeroed directory with one reference, like `create` makes.
    fn new_dir(f: &mut Frames) -> PgDir {
        let pa = f.alloc(true).unwrap();
        f.incref(pa).unwrap();
        PgDir::at(pa)
    }

    #[test]
    fn walk_without_create_allocates_nothing() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        let before = f.free_count();
        let va = VirtAddr(0x40_1000);
        assert!(walk(&mut f, d, va, false).is_none());
        assert!(lookup(&mut f, d, va).is_none());
        remove(&mut f, d, va);
        assert_eq!(f.free_count(), before);
        assert!(walk(&mut f, d, va, true).is_some());
        assert_eq!(f.free_count(), before - 1);
    }

    #[test]
    fn reinserting_the_same_page_keeps_it() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        let pa = f.alloc(false).unwrap();
        let va = VirtAddr(0x80_0000);
        insert(&mut f, d, pa, va, PTE_W | PTE_U).unwrap();
        let free = f.free_count();
        insert(&mut f, d, pa, va, PTE_U).unwrap();
        assert_eq!(f.refcount(pa), 1);
        assert_eq!(f.free_count(), free);
        let (got, pte) = lookup(&mut f, d, VirtAddr(0x80_0123)).unwrap();
        assert_eq!(got, pa);
        assert_eq!(pte & (PTE_W | PTE_U | PTE_P), PTE_U | PTE_P);
    }

    /// `reprotect` must do exactly what `mappable` then `insert` do for a
    /// page mapped onto itself: the same answer, entry, reference counts,
    /// free frames and TLB bookkeeping, from every starting state.
    #[test]
    fn reprotect_is_mappable_then_insert_in_one_walk() {
        let (rw, ro) = (PTE_U | PTE_W, PTE_U);
        let starts: [Option<u32>; 4] = [None, Some(0), Some(ro), Some(rw | PTE_COW)];
        let perms = [ro, rw, ro | PTE_COW, rw | PTE_PWT];
        let va = VirtAddr(0x80_3000);
        for start in starts {
            for perm in perms {
                let run = |combined: bool| {
                    let arena = Arena::new(16 * PGSIZE);
                    let mut f = frames(&arena, 16);
                    let d = new_dir(&mut f);
                    let pa = f.alloc(false).unwrap();
                    match start {
                        None => {}
                        Some(0) => {
                            // A page table, but nothing mapped at va.
                            walk(&mut f, d, va, true).unwrap();
                        }
                        Some(bits) => insert(&mut f, d, pa, va, bits).map(drop).unwrap(),
                    }
                    f.tlb.cr3_loaded(1, d.pa());
                    let got = if combined {
                        reprotect(&mut f, d, va, perm)
                    } else {
                        mappable(&mut f, d, va, perm)
                            .and_then(|pa| insert(&mut f, d, pa, va, perm).map(drop))
                    };
                    let pte = walk(&mut f, d, va, false).map(|pte| *pte);
                    let state = (pte, f.refcount(pa), f.free_count());
                    (got, state, f.tlb.must_reload(1, d.pa()))
                };
                let (two, one) = (run(false), run(true));
                assert_eq!(one, two, "start {start:?}, perm {perm:#x}");
                let may_write = start.is_some_and(|bits| bits & PTE_W != 0);
                let mapped = start.is_some_and(|bits| bits != 0);
                let allowed = mapped && (perm & PTE_W == 0 || may_write);
                assert_eq!(one.0.is_ok(), allowed, "start {start:?}, perm {perm:#x}");
                assert_eq!(one.2, allowed, "CPU 1 must drop the old rights");
                if allowed {
                    assert_eq!(one.1 .0.unwrap() & 0xFFF, perm | PTE_P);
                }
            }
        }
    }

    #[test]
    fn map_batch_tells_other_cpus_of_changed_rights_and_replaced_frames() {
        let arena = Arena::new(32 * PGSIZE);
        let mut f = frames(&arena, 32);
        let (src, dst) = (new_dir(&mut f), new_dir(&mut f));
        let (rw, ro) = (PTE_U | PTE_W | PTE_P, PTE_U | PTE_P);
        let vas = [0x80_0000u32, 0x80_1000];
        for &va in &vas {
            let pa = f.alloc(false).unwrap();
            insert(&mut f, src, pa, VirtAddr(va), rw).unwrap();
        }
        // CPU 1 runs both directories in turn; this code runs as CPU 0.
        f.tlb.cr3_loaded(1, dst.pa());
        let list = [vas[0] | rw, vas[1] | rw];
        assert_eq!(map_batch(&mut f, src, dst, &list, ANY), Ok(2));
        assert!(
            !f.tlb.must_reload(1, dst.pa()),
            "new mappings leave no stale entry behind"
        );
        // Re-protection (fork's own pages) of a directory CPU 1 runs.
        f.tlb.cr3_loaded(1, src.pa());
        let reprotect = [vas[0] | ro | PTE_COW, vas[1] | ro | PTE_COW];
        assert_eq!(map_batch(&mut f, src, src, &reprotect, ANY), Ok(0));
        assert!(f.tlb.must_reload(1, src.pa()), "CPU 1 may still write");
        for &va in &vas {
            let (_, pte) = lookup(&mut f, src, VirtAddr(va)).unwrap();
            assert_eq!(pte & 0xFFF, ro | PTE_COW);
        }
        // A replaced frame whose last reference goes waits for CPU 1.
        f.tlb.cr3_loaded(1, dst.pa());
        let other = f.alloc(false).unwrap();
        let replaced = lookup(&mut f, dst, VirtAddr(vas[0])).unwrap().0;
        remove(&mut f, src, VirtAddr(vas[0]));
        assert_eq!(f.refcount(replaced), 1, "only dst maps it now");
        let limbo = f.limbo_count();
        // src now maps `other` at vas[0]; the batch puts it in dst there.
        insert(&mut f, src, other, VirtAddr(vas[0]), rw).unwrap();
        assert_eq!(map_batch(&mut f, src, dst, &[vas[0] | ro], ANY), Ok(0));
        assert_eq!(f.limbo_count(), limbo + 1, "not free while CPU 1 runs dst");
    }

    #[test]
    fn unmapping_behind_a_running_cpu_defers_the_free() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        let (old, new) = (f.alloc(false).unwrap(), f.alloc(false).unwrap());
        let va = VirtAddr(0x80_0000);
        insert(&mut f, d, old, va, PTE_W | PTE_U).unwrap();
        // CPU 1 runs `d`; this code runs as CPU 0 (pmap::this_cpu on the host).
        f.tlb.cr3_loaded(1, d.pa());
        let free = f.free_count();
        // Replacing a mapping: the old frame loses its last reference.
        insert(&mut f, d, new, va, PTE_W | PTE_U).unwrap();
        assert_eq!((f.free_count(), f.limbo_count()), (free, 1));
        assert!(!f.free_list().any(|pa| pa == old));
        f.tlb.cr3_loaded(1, d.pa());
        f.reclaim();
        assert_eq!((f.free_count(), f.limbo_count()), (free + 1, 0));
        assert!(f.free_list().any(|pa| pa == old));
        // Removing the last mapping.
        remove(&mut f, d, va);
        assert_eq!((f.free_count(), f.limbo_count()), (free + 1, 1));
        f.tlb.cr3_loaded(1, PhysAddr(0x1000));
        f.reclaim();
        assert!(f.free_list().any(|pa| pa == new));
        // Once CPU 1 runs another directory, unmapping frees at once.
        let again = f.alloc(false).unwrap();
        insert(&mut f, d, again, va, PTE_W | PTE_U).unwrap();
        remove(&mut f, d, va);
        assert_eq!(f.limbo_count(), 0);
    }

    #[test]
    fn map_batch_maps_everything_or_nothing() {
        let arena = Arena::new(32 * PGSIZE);
        let mut f = frames(&arena, 32);
        let (src, dst) = (new_dir(&mut f), new_dir(&mut f));
        let (rw, ro) = (PTE_U | PTE_W | PTE_P, PTE_U | PTE_P);
        let vas = [0x80_0000u32, 0x80_1000, 0x4000_0000];
        let pas: Vec<PhysAddr> = vas.iter().map(|_| f.alloc(false).unwrap()).collect();
        for (&va, &pa) in vas.iter().zip(&pas) {
            let perm = if va == 0x80_1000 { ro } else { rw };
            insert(&mut f, src, pa, VirtAddr(va), perm).unwrap();
        }
        let free = f.free_count();
        let entry = |va: u32, perm: u32| va | perm;
        // A bad entry anywhere: nothing is mapped, whatever its place.
        let bad_lists = [
            vec![entry(vas[0], rw), entry(vas[1], rw)], // W from a read-only page
            vec![entry(vas[0], rw), entry(0x90_0000, ro)], // not mapped in src
            vec![entry(vas[0], rw), entry(vas[2], PTE_P)], // no PTE_U
            vec![entry(vas[0], rw), entry(vas[2], rw | PTE_PWT)], // outside PTE_SYSCALL
            vec![entry(UTOP, ro)],
        ];
        for list in &bad_lists {
            assert_eq!(
                map_batch(&mut f, src, dst, list, ANY),
                Err(-E_INVAL),
                "{list:x?}"
            );
            for &va in &vas {
                assert!(lookup(&mut f, dst, VirtAddr(va)).is_none());
            }
        }
        assert_eq!(f.refcount(pas[0]), 1);
        // Page tables made by a failed call stay (empty); nothing leaks.
        let tables = f.free_count();
        assert!(tables <= free);
        let list = [entry(vas[0], rw), entry(vas[1], ro), entry(vas[2], ro)];
        assert_eq!(count_unmapped(&mut f, dst, &list), 3);
        assert_eq!(
            map_batch(&mut f, src, dst, &list, ANY),
            Ok(3),
            "three new mappings"
        );
        assert_eq!(count_unmapped(&mut f, dst, &list), 0);
        for (&va, &pa) in vas.iter().zip(&pas) {
            let (got, pte) = lookup(&mut f, dst, VirtAddr(va)).unwrap();
            assert_eq!(got, pa);
            assert_eq!(pte & 0xFFF, if va == vas[0] { rw } else { ro });
            assert_eq!(f.refcount(pa), 2);
        }
        // Re-protecting in place (src == dst) keeps frames and refcounts.
        let reprotect = [entry(vas[0], ro | PTE_COW)];
        assert_eq!(
            map_batch(&mut f, src, src, &reprotect, ANY),
            Ok(0),
            "no new mapping"
        );
        let (got, pte) = lookup(&mut f, src, VirtAddr(vas[0])).unwrap();
        assert_eq!((got, pte & 0xFFF), (pas[0], ro | PTE_COW));
        assert_eq!(f.refcount(pas[0]), 2);
        let too_many = vec![entry(vas[0], ro); MAP_BATCH_MAX + 1];
        assert_eq!(map_batch(&mut f, src, dst, &too_many, ANY), Err(-E_INVAL));
        assert_eq!(map_batch(&mut f, src, dst, &[], ANY), Ok(0));
        let twice_and_kernel = [entry(0x90_0000, ro), entry(0x90_0000, ro), entry(UTOP, ro)];
        assert_eq!(count_unmapped(&mut f, dst, &twice_and_kernel), 2);
    }

    #[test]
    fn map_batch_can_re_protect_the_source_too() {
        let arena = Arena::new(32 * PGSIZE);
        let mut f = frames(&arena, 32);
        let (src, dst) = (new_dir(&mut f), new_dir(&mut f));
        let (rw, ro) = (PTE_U | PTE_W | PTE_P, PTE_U | PTE_P);
        let cow = ro | PTE_COW;
        let (a, b) = (0x80_0000u32, 0x80_1000u32);
        let (pa, pb) = (f.alloc(false).unwrap(), f.alloc(false).unwrap());
        insert(&mut f, src, pa, VirtAddr(a), rw).unwrap();
        insert(&mut f, src, pb, VirtAddr(b), ro).unwrap();
        // W for the source from a read-only page: refused, nothing changed.
        let bad = [a | cow | BATCH_SRC_TOO, b | rw | BATCH_SRC_TOO];
        assert_eq!(map_batch(&mut f, src, dst, &bad, ANY), Err(-E_INVAL));
        assert_eq!(lookup(&mut f, src, VirtAddr(a)).unwrap().1 & 0xFFF, rw);
        assert!(lookup(&mut f, dst, VirtAddr(a)).is_none());
        // The flag (G's bit) lets no other bit through.
        let pwt = a | ro | PTE_PWT | BATCH_SRC_TOO;
        assert_eq!(map_batch(&mut f, src, dst, &[pwt], ANY), Err(-E_INVAL));
        assert_eq!(BATCH_SRC_TOO, PTE_G, "a bit perm_ok refuses in a mapping");
        assert!(!crate::userptr::perm_ok(ro | PTE_G));
        // Copy-on-write both sides in one entry; an unflagged entry leaves
        // the source alone.
        let list = [a | cow | BATCH_SRC_TOO, b | ro];
        assert_eq!(map_batch(&mut f, src, dst, &list, ANY), Ok(2));
        for (dir, va, pa, perm) in [
            (src, a, pa, cow),
            (dst, a, pa, cow),
            (src, b, pb, ro),
            (dst, b, pb, ro),
        ] {
            assert_eq!(
                lookup(&mut f, dir, VirtAddr(va)),
                Some((pa, pa.0 | perm)),
                "{va:x}"
            );
        }
        assert_eq!((f.refcount(pa), f.refcount(pb)), (2, 2));
    }

    #[test]
    fn map_batch_out_of_page_tables_changes_no_mapping() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let (src, dst) = (new_dir(&mut f), new_dir(&mut f));
        let pa = f.alloc(false).unwrap();
        // Two pages in different 4 MB ranges: dst needs two page tables.
        insert(&mut f, src, pa, VirtAddr(0x80_0000), PTE_U | PTE_P).unwrap();
        insert(&mut f, src, pa, VirtAddr(0xC0_0000), PTE_U | PTE_P).unwrap();
        while f.free_count() > 1 {
            f.alloc(false).unwrap(); // leave room for one table only
        }
        let list = [0x80_0000 | PTE_U | PTE_P, 0xC0_0000 | PTE_U | PTE_P];
        assert_eq!(map_batch(&mut f, src, dst, &list, ANY), Err(-E_NO_MEM));
        assert!(lookup(&mut f, dst, VirtAddr(0x80_0000)).is_none());
        assert!(lookup(&mut f, dst, VirtAddr(0xC0_0000)).is_none());
        assert_eq!(f.refcount(pa), 2);
        assert_eq!(f.free_count(), 0, "the first table stays, empty");
    }

    #[test]
    fn map_batch_beyond_room_changes_no_mapping() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let (src, dst) = (new_dir(&mut f), new_dir(&mut f));
        let pa = f.alloc(false).unwrap();
        let vas = [0x80_0000u32, 0x80_1000, 0x80_2000];
        for &va in &vas {
            insert(&mut f, src, pa, VirtAddr(va), PTE_U | PTE_P).unwrap();
        }
        insert(&mut f, dst, pa, VirtAddr(vas[0]), PTE_U | PTE_P).unwrap();
        let list = vas.map(|va| va | PTE_U | PTE_P);
        // dst has vas[0] already: the batch adds two mappings, not three.
        assert_eq!(map_batch(&mut f, src, dst, &list, 1), Err(-E_NO_MEM));
        assert!(lookup(&mut f, dst, VirtAddr(vas[1])).is_none());
        assert_eq!(f.refcount(pa), 4);
        assert_eq!(map_batch(&mut f, src, dst, &list, 2), Ok(2));
        assert_eq!(f.refcount(pa), 6);
        // Re-protecting what is mapped adds nothing: no room needed.
        assert_eq!(map_batch(&mut f, src, dst, &list, 0), Ok(0));
    }

    #[test]
    fn failed_insert_keeps_no_reference() {
        let arena = Arena::new(4 * PGSIZE);
        let mut f = frames(&arena, 4);
        let d = new_dir(&mut f);
        let pa = f.alloc(false).unwrap();
        assert_eq!(f.free_count(), 0);
        assert_eq!(insert(&mut f, d, pa, VirtAddr(0), PTE_W), Err(-E_NO_MEM));
        assert_eq!(f.refcount(pa), 0);
    }

    /// A frame mapped `MAX_PAGE_REFS` times, at the pages from `base` up.
    fn frame_at_the_limit(f: &mut Frames, d: PgDir, base: u32) -> PhysAddr {
        let pa = f.alloc(false).unwrap();
        for i in 0..MAX_PAGE_REFS as u32 {
            insert(f, d, pa, VirtAddr(base + i * PGSIZE), PTE_U).unwrap();
        }
        assert_eq!(f.refcount(pa), MAX_PAGE_REFS);
        pa
    }

    #[test]
    fn insert_refuses_a_frame_at_the_reference_limit_and_changes_nothing() {
        // 64 page tables for the limit's mappings, a few frames to spare.
        let arena = Arena::new(80 * PGSIZE);
        let mut f = frames(&arena, 80);
        let d = new_dir(&mut f);
        let base = 0x1000_0000;
        let pa = frame_at_the_limit(&mut f, d, base);
        let free = f.free_count();
        // Where no page table exists yet: none is allocated.
        let far = VirtAddr(0x4000_0000);
        assert_eq!(insert(&mut f, d, pa, far, PTE_U), Err(-E_NO_MEM));
        assert!(walk(&mut f, d, far, false).is_none());
        assert_eq!((f.free_count(), f.refcount(pa)), (free, MAX_PAGE_REFS));
        // Over another mapping: that mapping stays as it was.
        let other = f.alloc(false).unwrap();
        let va = VirtAddr(0x5000_0000);
        insert(&mut f, d, other, va, PTE_U | PTE_W).unwrap();
        assert_eq!(insert(&mut f, d, pa, va, PTE_U), Err(-E_NO_MEM));
        let (got, pte) = lookup(&mut f, d, va).unwrap();
        assert_eq!((got, pte & PTE_W), (other, PTE_W));
        assert_eq!((f.refcount(other), f.refcount(pa)), (1, MAX_PAGE_REFS));
        // Changing the rights of one of its own mappings takes no reference.
        insert(&mut f, d, pa, VirtAddr(base), PTE_U | PTE_W).unwrap();
        assert_eq!(f.refcount(pa), MAX_PAGE_REFS);
        // After one unmap there is room for exactly one more.
        remove(&mut f, d, VirtAddr(base));
        insert(&mut f, d, pa, far, PTE_U).unwrap();
        assert_eq!(insert(&mut f, d, pa, VirtAddr(base), PTE_U), Err(-E_NO_MEM));
    }

    #[test]
    fn a_saturated_refcount_refuses_another_mapping() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let d = new_dir(&mut f);
        let pa = f.alloc(false).unwrap();
        for _ in 0..u16::MAX {
            f.incref(pa).unwrap();
        }
        assert_eq!(
            insert(&mut f, d, pa, VirtAddr(0x80_0000), PTE_U),
            Err(-E_NO_MEM)
        );
        assert_eq!(f.refcount(pa), u16::MAX);
        assert!(lookup(&mut f, d, VirtAddr(0x80_0000)).is_none());
        f.decref(pa);
        insert(&mut f, d, pa, VirtAddr(0x80_0000), PTE_U).unwrap();
        assert_eq!(f.refcount(pa), u16::MAX);
    }

    #[test]
    fn pgdir_free_releases_everything_below_utop() {
        let arena = Arena::new(64 * PGSIZE);
        let mut f = frames(&arena, 64);
        let kern = new_dir(&mut f);
        // A kernel page table above UTOP that every directory shares.
        walk(&mut f, kern, VirtAddr(UENVS), true).expect("kernel page table");
        // SAFETY: the test's kernel directory, read once.
        let kpt = pte_addr(unsafe { table(f.map(), kern.pa()) }[pdx(UENVS)]);
        let start = f.free_count();
        let d = create(&mut f, kern).unwrap();
        let shared_pa = f.alloc(false).unwrap();
        for (i, va) in [0u32, 0x1000, 0x40_0000, 0x80_0000, UTOP - PGSIZE]
            .iter()
            .enumerate()
        {
            let pa = if i == 2 {
                shared_pa
            } else {
                f.alloc(false).unwrap()
            };
            insert(&mut f, d, pa, VirtAddr(*va), PTE_U | PTE_W).unwrap();
        }
        insert(&mut f, d, shared_pa, VirtAddr(0x80_1000), PTE_U).unwrap();
        assert_eq!(f.refcount(shared_pa), 2);
        assert_eq!(
            f.tables(d.pa()),
            4,
            "tables for 0, 4 MB, 8 MB and UTOP - 4 KB"
        );
        free(&mut f, d);
        assert_eq!(f.free_count(), start, "pgdir_free leaked");
        assert_eq!(
            f.refcount(PhysAddr(kpt)),
            1,
            "the shared kernel table was touched"
        );
    }

    #[test]
    fn create_shares_the_kernel_half_and_maps_itself_at_uvpt() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let kern = new_dir(&mut f);
        boot_map_region_large(
            kern,
            f.map(),
            VirtAddr(KERNBASE),
            PTSIZE,
            PhysAddr(0),
            PTE_W,
        );
        // SAFETY: the test's kernel directory, for one store.
        let kdir = unsafe { table(f.map(), kern.pa()) };
        kdir[3] = 0x5000 | PTE_P | PTE_U; // below UTOP: not copied
        let d = create(&mut f, kern).unwrap();
        // SAFETY: the new directory; nothing else refers to it.
        let dir = unsafe { table(f.map(), d.pa()) };
        assert_eq!(dir[pdx(KERNBASE)], PTE_PS | PTE_W | PTE_P);
        assert_eq!(dir[3], 0);
        assert_eq!(dir[pdx(UVPT)], d.pa().0 | PTE_U | PTE_P);
        // Through UVPT, the directory's own page shows up as entry uvpd.
        let (pa, _) = lookup(&mut f, d, VirtAddr(UVPT + (pdx(UVPT) as u32) * PGSIZE)).unwrap();
        assert_eq!(pa, d.pa());
        assert_eq!(f.refcount(d.pa()), 1);
    }

    #[test]
    fn a_directory_without_tables_frees_alone() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let kern = new_dir(&mut f);
        let start = f.free_count();
        let d = create(&mut f, kern).unwrap();
        assert_eq!(f.tables(d.pa()), 0);
        free(&mut f, d);
        assert_eq!(f.free_count(), start);
        // The frame comes back as a directory with a fresh count.
        let d = create(&mut f, kern).unwrap();
        assert_eq!(f.tables(d.pa()), 0);
        walk(&mut f, d, VirtAddr(0x80_0000), true).unwrap();
        assert_eq!(f.tables(d.pa()), 1);
        free(&mut f, d);
        assert_eq!(f.free_count(), start);
    }

    #[test]
    fn large_pages_are_looked_up_inside_their_4mb() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        boot_map_region_large(
            d,
            f.map(),
            VirtAddr(KERNBASE),
            2 * PTSIZE,
            PhysAddr(0),
            PTE_W,
        );
        let (pa, pde) = lookup(&mut f, d, VirtAddr(KERNBASE + PTSIZE + 0x12_3456)).unwrap();
        assert_eq!(pa.0, PTSIZE + 0x12_3000);
        assert_eq!(pde, PTSIZE | PTE_PS | PTE_W | PTE_P);
        let entry = walk(&mut f, d, VirtAddr(KERNBASE + 5), false).unwrap();
        assert_eq!(*entry, PTE_PS | PTE_W | PTE_P);
        assert!(lookup(&mut f, d, VirtAddr(KERNBASE + 2 * PTSIZE)).is_none());
    }

    #[test]
    fn user_mem_check_edges() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        let base = 0x80_0000;
        for i in 0..3 {
            let perm = if i == 2 { PTE_U } else { PTE_U | PTE_W };
            let pa = f.alloc(false).unwrap();
            insert(&mut f, d, pa, VirtAddr(base + i * PGSIZE), perm).unwrap();
        }
        let (u, uw) = (PTE_U, PTE_U | PTE_W);
        let mut check =
            |va, len, perm| user_mem_check(&mut f, d, VirtAddr(va), len, perm).map_err(|bad| bad.0);
        assert_eq!(check(base, 3 * PGSIZE, u), Ok(()));
        assert_eq!(check(base + 10, 2 * PGSIZE - 10, uw), Ok(()));
        assert_eq!(check(base + 10, 2 * PGSIZE - 9, uw), Err(base + 2 * PGSIZE));
        assert_eq!(
            check(base + 2 * PGSIZE + 5, 1, uw),
            Err(base + 2 * PGSIZE + 5)
        );
        assert_eq!(check(base - 3, 4, u), Err(base - 3));
        assert_eq!(check(base + 3 * PGSIZE - 1, 2, u), Err(base + 3 * PGSIZE));
        assert_eq!(check(base, 0, uw), Ok(()));
        assert_eq!(check(base - 3, 0, u), Ok(()));
        assert_eq!(check(KERNBASE + 1, 0, u), Ok(()));
        assert_eq!(check(ULIM - 1, 1, 0), Err(ULIM - 1));
        assert_eq!(check(0xFFFF_FFF0, 0x20, u), Err(0xFFFF_FFF0));
        assert_eq!(check(base, u32::MAX, u), Err(base + 3 * PGSIZE));
    }

    /// What `user_mem_check` did before it read each entry once (u64 page
    /// addresses, the directory entry and then `walk`): the reference the
    /// random test below holds it to.
    fn user_mem_check_by_walk(
        f: &mut Frames,
        d: PgDir,
        va: u32,
        len: u32,
        perm: u32,
    ) -> Result<(), u32> {
        if len == 0 {
            return Ok(());
        }
        let need = perm | PTE_P;
        let end = va as u64 + len as u64;
        let mut page = (va & !(PGSIZE - 1)) as u64;
        while page < end {
            let addr = VirtAddr(page as u32);
            let bad_at = (page as u32).max(va);
            if page >= ULIM as u64 {
                return Err(bad_at);
            }
            // SAFETY: the directory, one entry read.
            let pde = unsafe { table(f.map(), d.pa()) }[addr.pdx()];
            if pde & need != need {
                return Err(bad_at);
            }
            match walk(f, d, addr, false) {
                Some(pte) if *pte & need == need => {}
                _ => return Err(bad_at),
            }
            page += PGSIZE as u64;
        }
        Ok(())
    }

    #[test]
    fn user_mem_check_agrees_with_walking_each_page() {
        let arena = Arena::new(32 * PGSIZE);
        let mut f = frames(&arena, 32);
        let d = new_dir(&mut f);
        install_self_map(f.map(), d);
        // Pages with mixed rights around a 4 MB boundary, a hole, and a
        // table whose directory entry is read-only.
        let base = 0x7F_C000;
        let rights = [PTE_U | PTE_W, PTE_U, 0, PTE_U | PTE_W, PTE_W, PTE_U | PTE_W];
        for (i, &perm) in rights.iter().enumerate() {
            if perm != 0 {
                let pa = f.alloc(false).unwrap();
                insert(&mut f, d, pa, VirtAddr(base + i as u32 * PGSIZE), perm).unwrap();
            }
        }
        let pa = f.alloc(false).unwrap();
        insert(&mut f, d, pa, VirtAddr(0x4000_0000), PTE_U | PTE_W).unwrap();
        // SAFETY: the directory, one entry written.
        let dir = unsafe { table(f.map(), d.pa()) };
        dir[pdx(0x4000_0000)] &= !PTE_W;
        let starts = [
            base - PGSIZE,
            base,
            0x4000_0000 - 8,
            UVPT,
            ULIM - PGSIZE,
            0xFFFF_F000,
        ];
        let perms = [0, PTE_U, PTE_U | PTE_W, PTE_W];
        let mut rng = Rng(0x1234_5678);
        let mut failures = 0;
        for _ in 0..20_000 {
            let va = starts[rng.below(starts.len())].wrapping_add(rng.next() % (3 * PGSIZE));
            let len = match rng.below(4) {
                0 => rng.next() % 16,
                1 => rng.next() % (8 * PGSIZE),
                2 => u32::MAX - rng.next() % 16,
                _ => rng.next(),
            };
            let perm = perms[rng.below(perms.len())];
            let want = user_mem_check_by_walk(&mut f, d, va, len, perm);
            let got = user_mem_check(&mut f, d, VirtAddr(va), len, perm).map_err(|bad| bad.0);
            assert_eq!(got, want, "va {va:#x} len {len:#x} perm {perm:#x}");
            failures += usize::from(want.is_err());
        }
        assert!(
            failures > 1000 && failures < 19_000,
            "both answers exercised"
        );
    }

    #[test]
    fn user_mem_check_honours_the_directory_entry() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        let d = new_dir(&mut f);
        let pa = f.alloc(false).unwrap();
        insert(&mut f, d, pa, VirtAddr(0x80_0000), PTE_U | PTE_W).unwrap();
        install_self_map(f.map(), d);
        let (u, uw) = (PTE_U, PTE_U | PTE_W);
        // UVPT's page 2 is, through the directory seen as a page table,
        // the page table for 8..12 MB: the directory's entry 2 says P|W|U,
        // but UVPT's own directory entry is read-only, so the page is too.
        let table_page = UVPT + 2 * PGSIZE;
        let mut check = |va, perm| user_mem_check(&mut f, d, VirtAddr(va), 4, perm);
        assert_eq!(check(table_page, u), Ok(()));
        assert_eq!(check(table_page, uw), Err(VirtAddr(table_page)));
        assert_eq!(check(0x80_0000, uw), Ok(()));
    }

    /// xorshift32: a tiny deterministic generator for the random tests.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            self.next() as usize % n
        }
    }

    /// Random insert/remove/alloc/free sequences against a model of the
    /// mappings: after every step the lookups, the refcounts and the free
    /// count agree with the model, and pgdir_free gives everything back.
    #[test]
    fn random_sequences_keep_refcounts_and_free_count() {
        let vas: Vec<u32> = [0u32, 1, 5, 0x3BA]
            .iter()
            .flat_map(|&pd| (0..6).map(move |pg| pd * PTSIZE + pg * 0x3000))
            .collect();
        for seed in [1u32, 0xBEEF, 0x1234_5678, 42, 7777] {
            let npages = 40;
            let arena = Arena::new(npages as u32 * PGSIZE);
            let mut f = frames(&arena, npages);
            let initial = f.free_count();
            let d = new_dir(&mut f);
            let mut rng = Rng(seed);
            let mut mapped: HashMap<u32, PhysAddr> = HashMap::new();
            let mut held: Vec<PhysAddr> = Vec::new(); // allocated, no mapping
            let mut tables = 0;
            for _ in 0..3000 {
                match rng.below(4) {
                    0 => {
                        if let Some(pa) = f.alloc(rng.below(2) == 0) {
                            held.push(pa);
                        }
                    }
                    1 if !held.is_empty() => {
                        let pa = held.swap_remove(rng.below(held.len()));
                        f.free(pa);
                    }
                    2 => {
                        // Map a held frame, or one that is already mapped.
                        let va = vas[rng.below(vas.len())];
                        let pool: Vec<PhysAddr> =
                            held.iter().chain(mapped.values()).copied().collect();
                        if pool.is_empty() {
                            continue;
                        }
                        let pa = pool[rng.below(pool.len())];
                        let had_table = walk(&mut f, d, VirtAddr(va), false).is_some();
                        match insert(&mut f, d, pa, VirtAddr(va), PTE_U | PTE_W) {
                            Ok(new) => {
                                assert_eq!(new, !mapped.contains_key(&va), "seed {seed:#x}");
                                tables += usize::from(!had_table);
                                held.retain(|&h| h != pa);
                                if let Some(old) = mapped.insert(va, pa) {
                                    let still = mapped.values().any(|&m| m == old);
                                    if old != pa && !still {
                                        assert_eq!(f.refcount(old), 0);
                                    }
                                }
                            }
                            Err(e) => {
                                assert_eq!(e, -E_NO_MEM);
                                assert!(!had_table && f.free_count() == 0);
                            }
                        }
                    }
                    _ => {
                        let va = vas[rng.below(vas.len())];
                        let removed = remove(&mut f, d, VirtAddr(va));
                        assert_eq!(removed, mapped.remove(&va).is_some(), "seed {seed:#x}");
                    }
                }
                // Frames whose last mapping went are back on the free list.
                for &va in &vas {
                    let got = lookup(&mut f, d, VirtAddr(va + 0x10)).map(|m| m.0);
                    assert_eq!(got, mapped.get(&va).copied(), "seed {seed:#x} va {va:#x}");
                }
                let mut refs: HashMap<PhysAddr, u16> = HashMap::new();
                for &pa in mapped.values() {
                    *refs.entry(pa).or_default() += 1;
                }
                for (&pa, &n) in &refs {
                    assert_eq!(f.refcount(pa), n, "seed {seed:#x} frame {:#x}", pa.0);
                }
                for &pa in &held {
                    assert_eq!(f.refcount(pa), 0);
                }
                let in_use = 1 + tables + held.len() + refs.len();
                assert_eq!(f.free_count(), initial - in_use, "seed {seed:#x}");
            }
            free(&mut f, d);
            for pa in held {
                f.free(pa);
            }
            assert_eq!(
                f.free_count(),
                initial,
                "seed {seed:#x}: leak after pgdir_free"
            );
        }
    }
}
