//! The lab-2 self-checks, each printing JOS's line when it passes.
//!
//! Each check states what must hold and panics (like JOS's `assert`) when it
//! does not. Every check leaves the free list as it found it, same frames in
//! the same order (the free list here is both of `Frames`' lists, dirty and
//! zeroed, walked as `free_list` walks them; frames taken from the zero pool
//! come back dirty, which is why boot fills the pool after the checks). All but `check_page_installed_pgdir` (which needs the
//! MMU) also run under `cargo test` against simulated memory.

use crate::addr::{PhysAddr, VirtAddr};
use crate::frames::{Frames, PageInfo};
use crate::pgdir::{self, PgDir};
use crate::pmap::{kstack_top, Pmap, ENVS_SIZE};
use core::ops::Range;
use inc::error::E_NO_MEM;
use inc::memlayout::*;
use inc::mmu::*;

/// Runs every check, in JOS's order.
pub fn run_all(p: &mut Pmap) {
    check_page_free_list(p);
    check_page_alloc(&mut p.frames);
    check_page(p);
    check_kern_pgdir(p);
    #[cfg(target_os = "none")]
    check_page_installed_pgdir(p);
}

/// Every frame on the free list is really free: none lies in memory that
/// is in use at boot, each has refcount 0, the list has no cycle and its
/// length is the free count, and both low and extended memory contribute.
pub fn check_page_free_list(p: &Pmap) {
    let (f, l) = (&p.frames, &p.layout);
    let info_bytes = (l.npages * core::mem::size_of::<PageInfo>()) as u32;
    let in_use: [(&str, Range<u32>); 8] = [
        ("page 0", 0..PGSIZE),
        ("the I/O hole", IOPHYSMEM..EXTPHYSMEM),
        ("the kernel image", EXTPHYSMEM..l.kernel_end),
        ("kern_pgdir", l.kern_pgdir.0..l.kern_pgdir.0 + PGSIZE),
        ("the PageInfo array", l.pages.0..l.pages.0 + info_bytes),
        ("the Env array", l.envs.0..l.envs.0 + ENVS_SIZE),
        (
            "the kernel stacks",
            l.kstacks.0..l.kstacks.0 + NCPU as u32 * KSTKSIZE,
        ),
        ("the AP boot page", MPENTRY_PADDR..MPENTRY_PADDR + PGSIZE),
    ];
    let (mut low, mut high) = (0, 0);
    // A cycle would make the walk longer than the count: stop just past it.
    for pa in f.free_list().take(f.free_count() + 1) {
        assert!(
            pa.page_number() < l.npages,
            "free page {:#x} beyond memory",
            pa.0
        );
        assert_eq!(f.refcount(pa), 0, "free page {:#x} is referenced", pa.0);
        let page = pa.0..pa.0 + PGSIZE;
        for (what, r) in in_use.iter() {
            assert!(!overlap(&page, r), "free page {:#x} lies in {}", pa.0, what);
        }
        for m in l.modules.iter() {
            assert!(
                !overlap(&page, m),
                "free page {:#x} holds a boot module",
                pa.0
            );
        }
        if pa.0 < EXTPHYSMEM {
            low += 1;
        } else {
            high += 1;
        }
    }
    assert_eq!(
        low + high,
        f.free_count(),
        "free list length differs from its count"
    );
    assert!(low > 0 && high > 0, "no free base or extended memory");
    // The page tables kern_pgdir uses are not free.
    let kdir = p.frames.map().ptr::<[u32; NPDENTRIES]>(p.kern_pgdir.pa());
    // SAFETY: kern_pgdir is a page-table frame inside the map; read only.
    let kdir = unsafe { &*kdir };
    for (i, &pde) in kdir.iter().enumerate() {
        if pde & PTE_P != 0 && pde & PTE_PS == 0 && i != pdx(UVPT) {
            let pt = PhysAddr(pte_addr(pde));
            assert!(
                f.refcount(pt) > 0,
                "kern_pgdir's page table {:#x} is free",
                pt.0
            );
        }
    }
    cprintf!("check_page_free_list() succeeded!\n");
}

/// Frames come out distinct and inside memory, an empty list says so,
/// freed frames come back (last freed first), and zeroing works.
pub fn check_page_alloc(f: &mut Frames) {
    let before: [PhysAddr; 3] = head(f);
    let count = f.free_count();
    let pp: [PhysAddr; 3] = core::array::from_fn(|_| f.alloc(false).expect("no free page"));
    assert!(pp[0] != pp[1] && pp[1] != pp[2] && pp[0] != pp[2]);
    for pa in pp {
        assert!(pa.page_number() < f.npages() && pa.is_page_aligned());
        assert_eq!(f.refcount(pa), 0);
    }
    let stash = stash_free(f);
    assert_eq!(f.free_count(), 0);
    assert!(
        f.alloc(false).is_none(),
        "page_alloc succeeded with no free page"
    );

    for pa in pp {
        f.free(pa);
    }
    assert_eq!(f.free_count(), 3);
    for &want in pp.iter().rev() {
        assert_eq!(
            f.alloc(false),
            Some(want),
            "the free list is not last-in first-out"
        );
    }
    assert!(f.alloc(false).is_none());

    fill(f, pp[0], 0x5A);
    f.free(pp[0]);
    assert_eq!(f.alloc(true), Some(pp[0]));
    assert_eq!(
        word(f, pp[0], 0),
        0,
        "page_alloc(true) left data in the page"
    );
    assert_eq!(
        word(f, pp[0], PGSIZE - 4),
        0,
        "page_alloc(true) left data in the page"
    );

    unstash(f, stash);
    give_back(f, &pp);
    assert_eq!(f.free_count(), count);
    assert_eq!(head::<3>(f), before);
    cprintf!("check_page_alloc() succeeded!\n");
}

/// page_insert, page_lookup, page_remove and pgdir_walk on a scratch
/// directory made by pgdir_create: refcounts, running out of page tables,
/// replacing and re-inserting, rights, pgdir_free; then the MMIO window.
pub fn check_page(p: &mut Pmap) {
    let kern = p.kern_pgdir;
    let f = &mut p.frames;
    let count = f.free_count();
    let order: [PhysAddr; 4] = head(f);
    let d = pgdir::create(f, kern).expect("pgdir_create");
    let [pp0, pp1, pp2] = core::array::from_fn(|_| f.alloc(false).expect("no free page"));
    let stash = stash_free(f);

    let page = |n: u32| VirtAddr(n * PGSIZE);

    // No free frame: a mapping that needs a page table fails cleanly.
    assert!(pgdir::lookup(f, d, page(0)).is_none());
    assert_eq!(pgdir::insert(f, d, pp1, page(0), PTE_W), Err(-E_NO_MEM));
    assert_eq!(f.refcount(pp1), 0, "a failed page_insert kept a reference");

    // With pp0 free it becomes the page table for [0, 4 MB).
    f.free(pp0);
    assert_eq!(pgdir::insert(f, d, pp1, page(0), PTE_W), Ok(true));
    assert_eq!(pgdir::lookup(f, d, page(0)).map(|m| m.0), Some(pp1));
    assert_eq!((f.refcount(pp0), f.refcount(pp1)), (1, 1));
    let entry = pgdir::walk(f, d, page(1), false).expect("page table missing") as *mut u32;
    let in_table = f.map().ptr::<u32>(pp0).wrapping_add(1);
    assert_eq!(entry, in_table, "pgdir_walk found the wrong entry");

    // A second page in the same table needs no new frame.
    assert_eq!(pgdir::insert(f, d, pp2, page(1), PTE_W), Ok(true));
    assert_eq!(pgdir::lookup(f, d, page(1)).map(|m| m.0), Some(pp2));
    assert_eq!(f.refcount(pp2), 1);
    assert_eq!(f.free_count(), 0);

    // Re-inserting the same frame only changes the rights.
    assert_eq!(pgdir::insert(f, d, pp2, page(1), PTE_W | PTE_U), Ok(false));
    assert_eq!(f.refcount(pp2), 1, "re-insert changed the refcount");
    assert_eq!(f.free_count(), 0, "re-insert freed the page");
    let check = |f: &mut Frames, va, len, perm| {
        pgdir::user_mem_check(f, d, VirtAddr(va), len, perm).map_err(|bad| bad.0)
    };
    assert_eq!(check(f, PGSIZE + 8, 8, PTE_U | PTE_W), Ok(()));
    assert_eq!(check(f, 8, 8, PTE_U), Err(8));
    assert_eq!(pgdir::insert(f, d, pp2, page(1), PTE_W), Ok(false));
    assert_eq!(check(f, PGSIZE, 4, PTE_U), Err(PGSIZE));

    // Another 4 MB region needs a table, and none is free.
    assert_eq!(
        pgdir::insert(f, d, pp0, VirtAddr(PTSIZE), PTE_W),
        Err(-E_NO_MEM)
    );

    // Mapping pp1 over pp2 releases pp2.
    assert_eq!(pgdir::insert(f, d, pp1, page(1), PTE_W), Ok(false));
    assert_eq!((f.refcount(pp1), f.refcount(pp2)), (2, 0));
    assert_eq!(f.alloc(false), Some(pp2), "the replaced page was not freed");

    // Removing drops references; removing nothing is harmless.
    assert!(pgdir::remove(f, d, page(0)), "page_remove missed a mapping");
    assert!(pgdir::lookup(f, d, page(0)).is_none());
    assert_eq!(f.refcount(pp1), 1);
    assert!(
        !pgdir::remove(f, d, page(7)),
        "page_remove found a mapping in nothing"
    );
    assert!(pgdir::remove(f, d, page(1)));
    assert_eq!(f.alloc(false), Some(pp1), "the unmapped page was not freed");

    // The kernel half is shared: KERNBASE + 1 MB + 5 pages is physical 1 MB + 5 pages.
    let va = VirtAddr(KERNBASE + EXTPHYSMEM + 5 * PGSIZE + 7);
    let (pa, _) = pgdir::lookup(f, d, va).expect("KERNBASE");
    assert_eq!(pa.0, EXTPHYSMEM + 5 * PGSIZE);

    // pgdir_free gives back mapped frames, the page table and the directory.
    assert_eq!(pgdir::insert(f, d, pp1, page(0), PTE_W | PTE_U), Ok(true));
    assert_eq!(pgdir::insert(f, d, pp2, page(3), PTE_W | PTE_U), Ok(true));
    pgdir::free(f, d);
    assert_eq!(f.free_count(), 4, "pgdir_free leaked frames");
    take_back(f, &order);
    unstash(f, stash);
    give_back(f, &order);
    assert_eq!(f.free_count(), count);
    assert_eq!(head::<4>(f), order);

    check_mmio(p);
    cprintf!("check_page() succeeded!\n");
}

/// mmio_map_region: page-aligned, uncached, kernel-only, consecutive and
/// inside the window. Unmaps what it mapped and rewinds the window.
fn check_mmio(p: &mut Pmap) {
    let count = p.frames.free_count();
    let saved = p.mmio_next();
    let mm1 = p.mmio_map_region(PhysAddr(0x1234), 4097).0;
    let mm2 = p.mmio_map_region(PhysAddr(0), PGSIZE).0;
    assert_eq!(mm1 & (PGSIZE - 1), 0x234, "the page offset was lost");
    let mm1 = mm1 - 0x234;
    assert!(mm1 >= MMIOBASE && mm2 + PGSIZE <= MMIOLIM);
    assert!(mm1 + 2 * PGSIZE <= mm2, "MMIO regions overlap");
    let kern = p.kern_pgdir;
    let f = &mut p.frames;
    for (va, pa) in [(mm1, 0x1000), (mm1 + PGSIZE, 0x2000), (mm2, 0)] {
        let (got, pte) = pgdir::lookup(f, kern, VirtAddr(va)).expect("MMIO page unmapped");
        assert_eq!(got.0, pa);
        assert_eq!(
            pte & (PTE_PCD | PTE_PWT | PTE_W | PTE_U),
            PTE_PCD | PTE_PWT | PTE_W
        );
    }
    assert!(pgdir::lookup(f, kern, VirtAddr(mm2 + PGSIZE)).is_none());
    assert_eq!(
        f.free_count(),
        count,
        "the MMIO window allocated a page table"
    );
    for va in [mm1, mm1 + PGSIZE, mm2].map(VirtAddr) {
        *pgdir::walk(f, kern, va, false).expect("MMIO page table") = 0;
        crate::pmap::tlb_invalidate(kern, va);
    }
    p.rewind_mmio(saved);
}

/// kern_pgdir maps exactly what docs/abi.md lists, with the right rights.
pub fn check_kern_pgdir(p: &mut Pmap) {
    let (kpd, l) = (p.kern_pgdir, p.layout.clone());
    let f = &mut p.frames;
    let info_bytes = (l.npages * core::mem::size_of::<PageInfo>()) as u32;
    for off in (0..round_up(info_bytes, PGSIZE)).step_by(PGSIZE as usize) {
        expect_map(
            f,
            kpd,
            UPAGES + off,
            l.pages.0 + off,
            PTE_U,
            PTE_W,
            "UPAGES",
        );
    }
    for off in (0..round_up(ENVS_SIZE, PGSIZE)).step_by(PGSIZE as usize) {
        expect_map(f, kpd, UENVS + off, l.envs.0 + off, PTE_U, PTE_W, "UENVS");
    }
    for pa in (0..l.phys_top()).step_by(PGSIZE as usize) {
        expect_map(f, kpd, KERNBASE + pa, pa, PTE_W, PTE_U, "KERNBASE");
    }
    for cpu in 0..NCPU {
        let bottom = kstack_top(cpu) - KSTKSIZE;
        let storage = l.kstacks.0 + cpu as u32 * KSTKSIZE;
        for off in (0..KSTKSIZE).step_by(PGSIZE as usize) {
            expect_map(
                f,
                kpd,
                bottom + off,
                storage + off,
                PTE_W,
                PTE_U,
                "kernel stack",
            );
        }
        for va in (bottom - KSTKGAP..bottom).step_by(PGSIZE as usize) {
            assert!(
                pgdir::lookup(f, kpd, VirtAddr(va)).is_none(),
                "stack guard {:#x} is mapped",
                va
            );
        }
    }
    // Which directory entries exist at all.
    let kdir = f.map().ptr::<[u32; NPDENTRIES]>(kpd.pa());
    // SAFETY: kern_pgdir is a page-table frame inside the map; read only.
    let kdir = unsafe { &*kdir };
    let direct_map =
        pdx(KERNBASE)..pdx(KERNBASE) + (round_up(l.phys_top(), PTSIZE) / PTSIZE) as usize;
    let others = [
        pdx(UENVS),
        pdx(UPAGES),
        pdx(UVPT),
        pdx(MMIOBASE),
        pdx(KSTACKTOP - 1),
    ];
    for (i, &pde) in kdir.iter().enumerate() {
        let want = direct_map.contains(&i) || others.contains(&i);
        assert_eq!(pde & PTE_P != 0, want, "kern_pgdir[{:#x}] = {:#x}", i, pde);
        if direct_map.contains(&i) {
            assert_eq!(pde & PTE_PS != 0, l.pse, "KERNBASE page size");
        }
    }
    assert_eq!(
        kdir[pdx(UVPT)],
        kpd.pa().0 | PTE_P | PTE_U,
        "the UVPT self-map"
    );
    cprintf!("check_kern_pgdir() succeeded!\n");
}

/// With a directory loaded in CR3, the MMU translates through the tables
/// we write: a write through a user address lands in the frame, and
/// replacing a mapping takes effect at once (tlb_invalidate works).
#[cfg(target_os = "none")]
pub fn check_page_installed_pgdir(p: &mut Pmap) {
    let kern = p.kern_pgdir;
    let f = &mut p.frames;
    let count = f.free_count();
    let order: [PhysAddr; 4] = head(f);
    let d = pgdir::create(f, kern).expect("pgdir_create");
    let [pp1, pp2] = core::array::from_fn(|_| f.alloc(false).expect("no free page"));
    fill(f, pp1, 0x01);
    fill(f, pp2, 0x02);
    let page1 = VirtAddr(PGSIZE);
    assert_eq!(pgdir::insert(f, d, pp1, page1, PTE_W), Ok(true));
    // SAFETY: d shares kern_pgdir's mappings above UTOP, which hold all the
    // kernel uses; we switch back before d is freed.
    unsafe { crate::x86::lcr3(d.pa().0) };
    let va = page1.as_ptr::<u32>();
    // SAFETY: PGSIZE is mapped writable in d (just inserted); volatile
    // because we are testing the MMU, not the compiler.
    let read = || unsafe { va.read_volatile() };
    assert_eq!(read(), 0x0101_0101);
    assert_eq!(pgdir::insert(f, d, pp2, page1, PTE_W), Ok(false));
    assert_eq!(read(), 0x0202_0202, "stale TLB entry after page_insert");
    // SAFETY: as above, now pp2 is mapped there.
    unsafe { va.write_volatile(0x0303_0303) };
    assert_eq!(word(f, pp2, 0), 0x0303_0303);
    pgdir::remove(f, d, page1);
    assert_eq!(f.refcount(pp2), 0);
    // SAFETY: kern_pgdir maps the kernel as before.
    unsafe { crate::x86::lcr3(kern.pa().0) };
    // Replacing pp1 freed it; removing pp2 freed it too.
    assert_eq!(f.refcount(pp1), 0);
    pgdir::free(f, d);
    take_back(f, &order);
    give_back(f, &order);
    assert_eq!(f.free_count(), count);
    cprintf!("check_page_installed_pgdir() succeeded!\n");
}

fn expect_map(f: &mut Frames, d: PgDir, va: u32, pa: u32, need: u32, deny: u32, what: &str) {
    let Some((got, entry)) = pgdir::lookup(f, d, VirtAddr(va)) else {
        panic!("{} at {:#x} is unmapped", what, va);
    };
    assert_eq!(got.0, pa, "{} at {:#x} maps the wrong frame", what, va);
    assert_eq!(
        entry & (need | deny),
        need,
        "{} at {:#x}: rights {:#x}",
        what,
        va,
        entry
    );
}

fn overlap(a: &Range<u32>, b: &Range<u32>) -> bool {
    a.start < b.end && b.start < a.end
}

/// The first `N` frames of the free list.
fn head<const N: usize>(f: &Frames) -> [PhysAddr; N] {
    let mut it = f.free_list();
    core::array::from_fn(|_| it.next().expect("too few free pages"))
}

/// Takes every free frame, chaining them through their first word (0 ends
/// the chain: frame 0 is never free). Returns the last one taken.
fn stash_free(f: &mut Frames) -> u32 {
    let mut chain = 0;
    while let Some(pa) = f.alloc(false) {
        set_word(f, pa, chain);
        chain = pa.0;
    }
    chain
}

/// Frees a stash, last taken first, so the list is in its old order again.
fn unstash(f: &mut Frames, mut chain: u32) {
    while chain != 0 {
        let pa = PhysAddr(chain);
        chain = word(f, pa, 0);
        f.free(pa);
    }
}

/// Allocates `frames.len()` frames, which must be exactly `frames`.
fn take_back(f: &mut Frames, frames: &[PhysAddr]) {
    for _ in frames {
        let pa = f.alloc(false).expect("a frame went missing");
        assert!(
            frames.contains(&pa),
            "frame {:#x} is unexpectedly free",
            pa.0
        );
    }
}

/// Frees `frames` so they head the free list in this order.
fn give_back(f: &mut Frames, frames: &[PhysAddr]) {
    for &pa in frames.iter().rev() {
        f.free(pa);
    }
}

fn fill(f: &Frames, pa: PhysAddr, byte: u8) {
    // SAFETY: the caller owns frame pa, which lies inside the map.
    unsafe { core::ptr::write_bytes(f.map().ptr::<u8>(pa), byte, PGSIZE as usize) };
}

fn word(f: &Frames, pa: PhysAddr, off: u32) -> u32 {
    assert!(off <= PGSIZE - 4);
    // SAFETY: the word lies inside frame pa, inside the map.
    unsafe { f.map().ptr::<u32>(PhysAddr(pa.0 + off)).read_volatile() }
}

fn set_word(f: &Frames, pa: PhysAddr, v: u32) {
    // SAFETY: the caller owns frame pa, which lies inside the map.
    unsafe { f.map().ptr::<u32>(pa).write_volatile(v) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pmap::sim::{machine, KERNEL_END};

    const NPAGES: usize = 2048; // 8 MB

    fn free_list(p: &Pmap) -> Vec<PhysAddr> {
        p.frames.free_list().collect()
    }

    #[test]
    fn checks_pass_and_leave_the_free_list_alone() {
        for pse in [false, true] {
            let mut m = machine(NPAGES, pse);
            let before = free_list(&m.pmap);
            run_all(&mut m.pmap);
            assert_eq!(free_list(&m.pmap), before, "pse {pse}");
            run_all(&mut m.pmap);
            assert_eq!(free_list(&m.pmap), before, "pse {pse}");
        }
    }

    #[test]
    fn checks_pass_with_a_zero_pool_and_keep_the_walk_order() {
        // The kernel runs the checks before it fills the pool; they still
        // hold with one, and see its frames (the walk covers both lists).
        let mut m = machine(NPAGES, true);
        m.pmap.frames.zero_free_frames(100);
        let before = free_list(&m.pmap);
        run_all(&mut m.pmap);
        assert_eq!(free_list(&m.pmap), before);
        assert_eq!(m.pmap.frames.free_count(), before.len());
    }

    #[test]
    #[should_panic(expected = "lies in the Env array")]
    fn free_list_check_looks_into_the_zero_pool() {
        let mut m = machine(NPAGES, true);
        m.pmap.frames.zero_free_frames(usize::MAX);
        let envs = m.pmap.layout.envs;
        m.pmap.frames.free(envs);
        m.pmap.frames.zero_free_frames(1);
        assert_eq!(
            m.pmap.frames.free_list().next(),
            Some(envs),
            "heads the pool"
        );
        check_page_free_list(&m.pmap);
    }

    #[test]
    fn free_list_at_boot_leaves_out_what_is_in_use() {
        let m = machine(NPAGES, true);
        let l = &m.pmap.layout;
        let free = free_list(&m.pmap);
        // Base memory: frames 1..159 (639 KB), minus the AP boot page and
        // frames 1-4, which became kern_pgdir's page tables.
        assert_eq!(free[0], PhysAddr(5 * PGSIZE));
        assert!(!free.contains(&PhysAddr(MPENTRY_PADDR)));
        assert!(!free.contains(&PhysAddr(159 * PGSIZE)));
        assert!(free.contains(&PhysAddr(158 * PGSIZE)));
        // The first module pushed the boot allocations past it.
        assert_eq!(l.kern_pgdir, PhysAddr(KERNEL_END + 2 * PGSIZE));
        assert!(free
            .iter()
            .all(|pa| pa.0 < EXTPHYSMEM || pa.0 >= l.boot_end));
        assert!(!free.contains(&PhysAddr(0x30_1000)));
        assert!(free.contains(&PhysAddr(0x30_2000)));
        let kern_tables = 4; // UPAGES, UENVS, stacks, MMIO
        let expect = (158 - 1) + (NPAGES - l.boot_end as usize / 4096) - 2 - kern_tables;
        assert_eq!(free.len(), expect);
    }

    #[test]
    #[should_panic(expected = "lies in the Env array")]
    fn free_list_check_catches_a_reserved_frame() {
        let mut m = machine(NPAGES, true);
        let envs = m.pmap.layout.envs;
        m.pmap.frames.free(envs);
        check_page_free_list(&m.pmap);
    }

    #[test]
    #[should_panic(expected = "UPAGES at 0xef000000: rights")]
    fn kern_pgdir_check_catches_writable_upages() {
        let mut m = machine(NPAGES, false);
        let kpd = m.pmap.kern_pgdir;
        *pgdir::walk(&mut m.pmap.frames, kpd, VirtAddr(UPAGES), false).unwrap() |= PTE_W;
        check_kern_pgdir(&mut m.pmap);
    }

    #[test]
    #[should_panic(expected = "stack guard")]
    fn kern_pgdir_check_catches_a_mapped_guard() {
        let mut m = machine(NPAGES, true);
        let kpd = m.pmap.kern_pgdir;
        let guard = VirtAddr(kstack_top(3) - KSTKSIZE - PGSIZE);
        let frame = PhysAddr(0x5000);
        pgdir::boot_map_region(&mut m.pmap.frames, kpd, guard, PGSIZE, frame, PTE_W);
        check_kern_pgdir(&mut m.pmap);
    }

    #[test]
    fn user_directories_see_the_kernel_half_read_only() {
        let mut m = machine(NPAGES, true);
        let p = &mut m.pmap;
        let d = pgdir::create(&mut p.frames, p.kern_pgdir).unwrap();
        let f = &mut p.frames;
        let mut check = |va, len, perm| {
            pgdir::user_mem_check(f, d, VirtAddr(va), len, perm).map_err(|bad| bad.0)
        };
        assert_eq!(check(UPAGES, 16, PTE_U), Ok(()));
        assert_eq!(check(UENVS, ENVS_SIZE, PTE_U), Ok(()));
        assert_eq!(check(UENVS, 4, PTE_U | PTE_W), Err(UENVS));
        // uvpd (the directory itself) is readable; uvpt only where the
        // directory has entries, and UPAGES's entry is one.
        assert_eq!(check(UVPD, PGSIZE, PTE_U), Ok(()));
        let upages_pt = UVPT + pdx(UPAGES) as u32 * PGSIZE;
        assert_eq!(check(upages_pt, 4, PTE_U), Ok(()));
        assert_eq!(check(UVPT, 4, PTE_U), Err(UVPT));
        assert_eq!(check(UVPD, 4, PTE_U | PTE_W), Err(UVPD));
        assert_eq!(check(KERNBASE + 0x10_000c, 4, PTE_U), Err(0xF010_000C));
        assert_eq!(check(UTOP - 4, 8, PTE_U), Err(UTOP - 4));
        pgdir::free(f, d);
    }

    #[test]
    fn mmio_regions_are_consecutive_and_offset() {
        let mut m = machine(NPAGES, true);
        let p = &mut m.pmap;
        let a = p.mmio_map_region(PhysAddr(0xFEE0_0000), PGSIZE);
        let b = p.mmio_map_region(PhysAddr(0xFEC0_0010), 0x20);
        assert_eq!(a.0, MMIOBASE);
        assert_eq!(b.0, MMIOBASE + PGSIZE + 0x10);
        let (pa, pte) = pgdir::lookup(&mut p.frames, p.kern_pgdir, a).unwrap();
        assert_eq!(pa.0, 0xFEE0_0000);
        assert_eq!(pte & 0xFFF, PTE_PCD | PTE_PWT | PTE_W | PTE_P);
    }

    #[test]
    #[should_panic(expected = "overflow MMIOLIM")]
    fn mmio_window_overflow_panics() {
        let mut m = machine(NPAGES, true);
        m.pmap.mmio_map_region(PhysAddr(0xFEE0_0000), PGSIZE);
        m.pmap.mmio_map_region(PhysAddr(0xC000_0000), PTSIZE);
    }
}
