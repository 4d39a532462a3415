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
use inc::error::E_NO_MEM;
use inc::memlayout::{NPTENTRIES, PGSIZE, PTSIZE, ULIM, UTOP, UVPT};
use inc::mmu::{pdx, pte_addr, ptx, round_down, PTE_P, PTE_PS, PTE_U, PTE_W};

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
fn table(map: &DirectMap, pa: PhysAddr) -> &'static mut Table {
    // SAFETY: `ptr` checks that pa lies in the map; the frame holds a page
    // table, page tables are touched only under the pmap lock, and no caller
    // keeps two references to one table alive.
    unsafe { &mut *map.ptr::<Table>(PhysAddr(pte_addr(pa.0))) }
}

/// Base physical address of a 4 MB page-directory entry.
fn large_base(pde: u32) -> u32 {
    pde & !(PTSIZE - 1)
}

/// The entry that maps `va`: the page-table entry, or for a 4 MB page the
/// directory entry itself. With `create`, a missing page table is
/// allocated (zeroed); `None` if absent and not created, or out of memory.
pub fn walk(f: &mut Frames, pgdir: PgDir, va: u32, create: bool) -> Option<&'static mut u32> {
    let pde = &mut table(f.map(), pgdir.pa())[pdx(va)];
    if *pde & PTE_P == 0 {
        if !create {
            return None;
        }
        let pt = f.alloc(true)?;
        f.incref(pt);
        *pde = pt.0 | PTE_P | PTE_W | PTE_U;
    }
    if *pde & PTE_PS != 0 {
        return Some(pde);
    }
    Some(&mut table(f.map(), PhysAddr(pte_addr(*pde)))[ptx(va)])
}

/// Maps frame `pa` at `va` with `perm | PTE_P`, releasing whatever frame was
/// there. Re-inserting the mapped frame only changes the rights: the new
/// reference is taken before the old one is dropped, so it is never freed.
pub fn insert(f: &mut Frames, pgdir: PgDir, pa: PhysAddr, va: u32, perm: u32) -> Result<(), i32> {
    let pte = walk(f, pgdir, va, true).ok_or(-E_NO_MEM)?;
    assert!(
        *pte & PTE_PS == 0,
        "page_insert into a 4 MB mapping at {:#x}",
        va
    );
    f.incref(pa);
    if *pte & PTE_P != 0 {
        let old = PhysAddr(pte_addr(*pte));
        *pte = 0;
        f.decref(old);
        crate::pmap::tlb_invalidate(pgdir, va);
    }
    *pte = pa.0 | perm | PTE_P;
    Ok(())
}

/// The frame (4 KB page) mapped at `va` and the entry that maps it.
pub fn lookup(f: &mut Frames, pgdir: PgDir, va: u32) -> Option<(PhysAddr, u32)> {
    let entry = *walk(f, pgdir, va, false)?;
    if entry & PTE_P == 0 {
        return None;
    }
    let pa = if entry & PTE_PS != 0 {
        large_base(entry) + round_down(va % PTSIZE, PGSIZE)
    } else {
        pte_addr(entry)
    };
    Some((PhysAddr(pa), entry))
}

/// Unmaps `va` and drops the frame's reference; nothing if unmapped.
pub fn remove(f: &mut Frames, pgdir: PgDir, va: u32) {
    let Some(pte) = walk(f, pgdir, va, false) else {
        return;
    };
    if *pte & PTE_P == 0 {
        return;
    }
    assert!(
        *pte & PTE_PS == 0,
        "page_remove of a 4 MB mapping at {:#x}",
        va
    );
    let old = PhysAddr(pte_addr(*pte));
    *pte = 0;
    f.decref(old);
    crate::pmap::tlb_invalidate(pgdir, va);
}

/// Maps `[va, va + size)` onto `[pa, pa + size)` with 4 KB pages and
/// `perm | PTE_P`, without touching refcounts (for memory the allocator
/// does not hand out: the kernel, boot allocations, device registers).
/// Panics if a page table cannot be allocated: only boot code calls it.
pub fn boot_map_region(f: &mut Frames, pgdir: PgDir, va: u32, size: u32, pa: u32, perm: u32) {
    for off in (0..size).step_by(PGSIZE as usize) {
        let pte = walk(f, pgdir, va + off, true).expect("boot_map_region: out of memory");
        *pte = (pa + off) | perm | PTE_P;
    }
}

/// As [`boot_map_region`] with 4 MB pages (the CPU must have PSE); `va`,
/// `pa` and `size` must be multiples of 4 MB.
pub fn boot_map_region_large(
    pgdir: PgDir,
    map: &DirectMap,
    va: u32,
    size: u32,
    pa: u32,
    perm: u32,
) {
    assert!(va.is_multiple_of(PTSIZE) && pa.is_multiple_of(PTSIZE) && size.is_multiple_of(PTSIZE));
    let dir = table(map, pgdir.pa());
    for off in (0..size).step_by(PTSIZE as usize) {
        dir[pdx(va + off)] = (pa + off) | perm | PTE_PS | PTE_P;
    }
}

/// A new directory sharing `kern`'s mappings at and above UTOP, empty
/// below, with UVPT mapping the directory itself read-only for the user.
pub fn create(f: &mut Frames, kern: PgDir) -> Result<PgDir, i32> {
    let pa = f.alloc(true).ok_or(-E_NO_MEM)?;
    f.incref(pa);
    let dir = table(f.map(), pa);
    let kdir = table(f.map(), kern.pa());
    dir[pdx(UTOP)..].copy_from_slice(&kdir[pdx(UTOP)..]);
    let pgdir = PgDir::at(pa);
    install_self_map(f.map(), pgdir);
    Ok(pgdir)
}

/// Points the UVPT entry at the directory itself, user read-only: the
/// directory then serves as the page table for [UVPT, UVPT + 4 MB), so
/// `uvpt[va >> 12]` is the PTE of va and `uvpd[va >> 22]` its PDE.
pub fn install_self_map(map: &DirectMap, pgdir: PgDir) {
    table(map, pgdir.pa())[pdx(UVPT)] = pgdir.pa().0 | PTE_P | PTE_U;
}

/// Releases every frame mapped below UTOP, the page tables that mapped them,
/// and the directory. The shared kernel tables above UTOP stay.
pub fn free(f: &mut Frames, pgdir: PgDir) {
    let dir = table(f.map(), pgdir.pa());
    for pde in dir[..pdx(UTOP)].iter_mut() {
        if *pde & PTE_P == 0 {
            continue;
        }
        assert!(*pde & PTE_PS == 0, "4 MB page below UTOP");
        let pt = PhysAddr(pte_addr(*pde));
        for pte in table(f.map(), pt).iter_mut() {
            if *pte & PTE_P != 0 {
                let frame = PhysAddr(pte_addr(*pte));
                *pte = 0;
                f.decref(frame);
            }
        }
        *pde = 0;
        f.decref(pt);
    }
    f.decref(pgdir.pa());
}

/// JOS's `user_mem_check`: is every page of `[va, va + len)` below ULIM and
/// mapped with `perm | PTE_P`? On failure, the first bad address: `va`
/// itself if its own page is bad, else the start of the first bad page.
pub fn user_mem_check(
    f: &mut Frames,
    pgdir: PgDir,
    va: u32,
    len: u32,
    perm: u32,
) -> Result<(), u32> {
    let need = perm | PTE_P;
    let end = va as u64 + len as u64;
    let mut page = round_down(va, PGSIZE) as u64;
    while page < end {
        let addr = page as u32;
        let bad_at = addr.max(va);
        if page >= ULIM as u64 {
            return Err(bad_at);
        }
        match walk(f, pgdir, addr, false) {
            Some(pte) if *pte & need == need => {}
            _ => return Err(bad_at),
        }
        page += PGSIZE as u64;
    }
    Ok(())
}
