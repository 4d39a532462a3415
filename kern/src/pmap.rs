//! Physical memory and the kernel's address space (JOS lab 2).
//!
//! `mem_init` sizes memory, boot-allocates the page directory, the
//! `PageInfo` array and the `Env` array, builds the free list, maps the
//! kernel's half of the address space (see docs/lab2.md) and loads it.
//! The mechanisms live in `frames.rs` (frames, free list, boot allocator)
//! and `pgdir.rs` (page tables); the self-checks in `pmap_check.rs`.
//!
//! Concurrency: all state sits in one `spin::Mutex`. From lab 4 on the big
//! kernel lock already serialises the kernel, so this lock is never
//! contended; it keeps the state honest. No function here calls back into
//! a public function that takes it, and nothing reached through it (a
//! page-table entry) is handed out beyond it: callers get copies.

use crate::addr::{PhysAddr, VirtAddr};
use crate::frames::Frames;
use crate::pgdir;
use core::ops::Range;
use inc::env::{Env, EnvMem, NENV, NO_QUOTA};
use inc::error::{E_INVAL, E_NO_MEM};
use inc::memlayout::*;
use inc::mmu::{round_up, PTE_PCD, PTE_PWT, PTE_U, PTE_W};
use spin::Mutex;

pub use crate::frames::PageInfo;
pub use crate::pgdir::PgDir;

/// CR0 bits every CPU turns on (boot CPU here, APs in boot/mpentry.S):
/// paging and protection, alignment checks, write protection for the
/// kernel too, native x87 errors, FPU monitoring.
pub const CR0_KERNEL_ON: u32 = inc::mmu::CR0_PE
    | inc::mmu::CR0_PG
    | inc::mmu::CR0_AM
    | inc::mmu::CR0_WP
    | inc::mmu::CR0_NE
    | inc::mmu::CR0_MP;
/// CR0 bits every CPU turns off: no FPU emulation, no task-switched trap.
pub const CR0_KERNEL_OFF: u32 = inc::mmu::CR0_TS | inc::mmu::CR0_EM;

/// At most this many multiboot modules are kept off the free list.
pub const MAX_MODULE_RANGES: usize = 16;

/// Bytes of the `Env` array mapped at UENVS.
pub const ENVS_SIZE: u32 = (NENV * core::mem::size_of::<Env>()) as u32;
/// Bytes of the `EnvMem` array mapped at UENVMEM.
pub const ENVMEM_SIZE: u32 = (NENV * core::mem::size_of::<EnvMem>()) as u32;

/// Where the boot-time pieces lie in physical memory: what the free list
/// must leave out and what `kern_pgdir` maps.
#[derive(Clone, Debug)]
pub struct PhysLayout {
    pub npages: usize,
    /// Bytes of conventional memory below 640 KB.
    pub basemem: u32,
    /// End of the kernel image (the linker's `end`).
    pub kernel_end: u32,
    /// First byte after the boot allocations.
    pub boot_end: u32,
    pub kern_pgdir: PhysAddr,
    pub pages: PhysAddr,
    pub envs: PhysAddr,
    /// The `EnvMem` array: what each env slot has mapped, and its quota.
    pub envmem: PhysAddr,
    /// NCPU kernel stacks of KSTKSIZE bytes, one after the other.
    pub kstacks: PhysAddr,
    /// Multiboot modules (empty ranges for unused slots).
    pub modules: [Range<u32>; MAX_MODULE_RANGES],
    /// Map physical memory at KERNBASE with 4 MB pages.
    pub pse: bool,
}

impl PhysLayout {
    /// Is frame `pa` free when the kernel starts? Everything but page 0
    /// (real-mode IDT and BIOS data), the I/O hole, the kernel image and
    /// boot allocations, the AP boot page and the modules.
    pub fn free_at_boot(&self, pa: PhysAddr) -> bool {
        let a = pa.0;
        let base_top = self.basemem.min(IOPHYSMEM);
        let in_low = a >= PGSIZE && a + PGSIZE <= base_top;
        let in_high = a >= self.boot_end.max(EXTPHYSMEM);
        let in_module = self
            .modules
            .iter()
            .any(|m| a < m.end && m.start < a + PGSIZE);
        (in_low || in_high) && a != MPENTRY_PADDR && !in_module
    }

    /// Bytes of physical memory mapped at KERNBASE.
    pub fn phys_top(&self) -> u32 {
        self.npages as u32 * PGSIZE
    }
}

/// Everything the allocator and the kernel's address space consist of.
pub struct Pmap {
    pub frames: Frames,
    pub kern_pgdir: PgDir,
    pub layout: PhysLayout,
    /// Next free address in the MMIO window.
    mmio_next: u32,
}

impl Pmap {
    /// Fills in `kern_pgdir` (already zeroed at `layout.kern_pgdir`) as
    /// docs/abi.md lays it out; does not load it.
    pub fn new(frames: Frames, layout: PhysLayout) -> Pmap {
        let mut p = Pmap {
            frames,
            kern_pgdir: PgDir::at(layout.kern_pgdir),
            layout,
            mmio_next: MMIOBASE,
        };
        p.map_kernel();
        p
    }

    fn map_kernel(&mut self) {
        let (f, kpd, l) = (&mut self.frames, self.kern_pgdir, &self.layout);
        let pages_size = round_up((l.npages * core::mem::size_of::<PageInfo>()) as u32, PGSIZE);
        let envs_size = round_up(ENVS_SIZE, PGSIZE);
        pgdir::boot_map_region(f, kpd, VirtAddr(UPAGES), pages_size, l.pages, PTE_U);
        pgdir::boot_map_region(f, kpd, VirtAddr(UENVS), envs_size, l.envs, PTE_U);
        let envmem_size = round_up(ENVMEM_SIZE, PGSIZE);
        pgdir::boot_map_region(f, kpd, VirtAddr(UENVMEM), envmem_size, l.envmem, PTE_U);
        for cpu in 0..NCPU {
            let stack = PhysAddr(l.kstacks.0 + cpu as u32 * KSTKSIZE);
            let bottom = VirtAddr(kstack_top(cpu) - KSTKSIZE);
            pgdir::boot_map_region(f, kpd, bottom, KSTKSIZE, stack, PTE_W);
        }
        let (kernbase, phys0) = (VirtAddr(KERNBASE), PhysAddr(0));
        if l.pse {
            let size = round_up(l.phys_top(), PTSIZE);
            pgdir::boot_map_region_large(kpd, f.map(), kernbase, size, phys0, PTE_W);
        } else {
            pgdir::boot_map_region(f, kpd, kernbase, l.phys_top(), phys0, PTE_W);
        }
        // The MMIO window's page table exists from the start, so directories
        // created before a later mmio_map_region (which copy kern_pgdir's
        // entries) still see the device mappings.
        pgdir::walk(f, kpd, VirtAddr(MMIOBASE), true).expect("no page table for the MMIO window");
        // UVPT: the directory doubles as the page table of [UVPT, UVPT+PTSIZE).
        pgdir::install_self_map(f.map(), kpd);
    }

    /// Env slot `slot`'s memory accounting (the UENVMEM array).
    fn envmem(&mut self, slot: usize) -> &mut EnvMem {
        assert!(slot < NENV, "env slot {slot} out of range");
        let pa = PhysAddr(self.layout.envmem.0 + (slot * core::mem::size_of::<EnvMem>()) as u32);
        // SAFETY: the array was boot-allocated (zeroed) for NENV entries,
        // and `&mut self` is the pmap lock's hold, the only way the kernel
        // reaches it. User space reads it through read-only mappings, which
        // at worst see a count between two updates.
        unsafe { &mut *self.frames.map().ptr::<EnvMem>(pa) }
    }

    /// How many more pages env slot `slot` may map before its quota.
    fn room(&mut self, slot: usize) -> u32 {
        let m = *self.envmem(slot);
        match m.em_quota {
            NO_QUOTA => u32::MAX,
            quota => quota.saturating_sub(m.em_pages),
        }
    }

    /// Maps `size` bytes of device registers at physical `pa` uncached in
    /// the next free part of the MMIO window; panics past MMIOLIM (only the
    /// kernel asks, for a few pages).
    pub fn mmio_map_region(&mut self, pa: PhysAddr, size: u32) -> VirtAddr {
        let start = pa.0 & !(PGSIZE - 1);
        let end = pa.0 as u64 + size as u64;
        let len = (end - start as u64).div_ceil(PGSIZE as u64) * PGSIZE as u64;
        if self.mmio_next as u64 + len > MMIOLIM as u64 {
            panic!("mmio_map_region: {:#x} bytes overflow MMIOLIM", size);
        }
        let base = self.mmio_next;
        let perm = PTE_PCD | PTE_PWT | PTE_W;
        pgdir::boot_map_region(
            &mut self.frames,
            self.kern_pgdir,
            VirtAddr(base),
            len as u32,
            PhysAddr(start),
            perm,
        );
        self.mmio_next += len as u32;
        VirtAddr(base + (pa.0 - start))
    }

    /// Next free address in the MMIO window.
    pub fn mmio_next(&self) -> u32 {
        self.mmio_next
    }

    /// Gives back the window above `next`; only for the self-check, which
    /// has already unmapped what it mapped there.
    pub(crate) fn rewind_mmio(&mut self, next: u32) {
        assert!((MMIOBASE..=self.mmio_next).contains(&next));
        self.mmio_next = next;
    }
}

static PMAP: Mutex<Option<Pmap>> = Mutex::new(None);

/// Runs `op` on the pmap state; panics before `mem_init`.
fn with<R>(op: impl FnOnce(&mut Pmap) -> R) -> R {
    let mut guard = PMAP.lock();
    op(guard.as_mut().expect("pmap used before mem_init"))
}

/// The kernel's page directory.
pub fn kern_pgdir() -> PgDir {
    with(|p| p.kern_pgdir)
}

/// A free frame, zeroed if `zero`; its refcount is left at 0 (the caller's
/// mapping raises it). `None` when memory is exhausted.
pub fn page_alloc(zero: bool) -> Option<PhysAddr> {
    with(|p| p.frames.alloc(zero))
}

/// Returns a frame whose refcount is 0 to the free list.
pub fn page_free(pa: PhysAddr) {
    with(|p| p.frames.free(pa))
}

/// The shared zero frame (issue 9): one zeroed frame, taken at boot with a
/// reference that is never dropped, so it is never freed or reused.
/// `sys_page_map_zero` maps it read-only; nobody may write to it.
static ZERO_FRAME: spin::Once<PhysAddr> = spin::Once::new();

/// Allocates the zero frame; called once by `mem_init`, before any env.
#[cfg(target_os = "none")]
fn zero_frame_init(p: &mut Pmap) {
    let pa = p.frames.alloc(true).expect("no frame for the zero page");
    p.frames
        .incref(pa)
        .expect("a fresh frame holds no reference");
    ZERO_FRAME.call_once(|| pa);
}

/// The shared zero frame (see [`ZERO_FRAME`]).
pub fn zero_frame() -> PhysAddr {
    *ZERO_FRAME.get().expect("zero frame used before mem_init")
}

/// How many free frames are kept zeroed ahead of time (16 MB): boot fills
/// the zero pool to this, idle CPUs refill it. Not all of memory: zeroing
/// all 128 MB at boot costs 32.6 million guest instructions, a
/// quarter-second or more per boot (docs/decisions.md, "Pre-zeroed frames").
pub const ZERO_POOL_TARGET: usize = 4096;

/// One step of idle-time zeroing (see `Frames::zero_one_free_frame`):
/// zeroes one dirty free frame into the pool if it is below its target.
/// Returns whether another step would do more.
pub fn zero_idle_frame() -> bool {
    with(|p| p.frames.zero_one_free_frame(ZERO_POOL_TARGET))
}

/// Number of free frames, dirty and zeroed (leak checks compare it before
/// and after), after taking back from limbo what no TLB can reach any more.
pub fn free_page_count() -> usize {
    with(|p| {
        p.frames.reclaim();
        p.frames.free_count()
    })
}

/// Frames still waiting for another CPU to reload CR3 (see `tlb.rs`).
pub fn limbo_count() -> usize {
    with(|p| {
        p.frames.reclaim();
        p.frames.limbo_count()
    })
}

/// The CPU running this code (0 in host tests).
pub fn this_cpu() -> usize {
    #[cfg(target_os = "none")]
    return crate::cpu::cpu_id();
    #[cfg(not(target_os = "none"))]
    0
}

/// Loads `pgdir` into this CPU's CR3, which empties its TLB, and records
/// that for the frames in limbo. Every CR3 load after boot goes through
/// here, under the big kernel lock. Skipped when this CPU already runs
/// `pgdir` and no other CPU unmapped anything from it since (`must_reload`):
/// every local change of a mapping is `invlpg`ed as it is made.
///
/// The interrupts-off token names the CPU, so this need not read the task
/// register again (issue 11: every `int $0x30` return and switch comes here).
///
/// # Safety
/// `pgdir` must map the kernel where it runs (kern_pgdir and every
/// directory from `pgdir_create` do).
#[cfg(target_os = "none")]
pub unsafe fn load_pgdir(irq: &crate::cpu::IrqOff, pgdir: PgDir) {
    let pa = pgdir.pa();
    let cpu = irq.cpu();
    with(|p| {
        if p.frames.tlb.must_reload(cpu, pa) {
            // SAFETY: the caller guarantees the directory maps the kernel.
            unsafe { crate::x86::lcr3(pa.0) };
            p.frames.tlb.cr3_loaded(cpu, pa);
        }
    })
}

/// A CPU other than this one that has `pgdir` in CR3 (and so may cache
/// its entries in its TLB), if any.
pub fn loaded_elsewhere(pgdir: PgDir) -> Option<usize> {
    let me = this_cpu();
    with(|p| p.frames.tlb.loaded_elsewhere(me, pgdir.pa()))
}

/// Number of physical frames managed.
pub fn npages() -> usize {
    with(|p| p.frames.npages())
}

/// The page-table entry for `va` in `pgdir` (a copy: the table may change
/// once the pmap lock is released), `None` if there is no page table. For
/// a 4 MB mapping this is the page-directory entry itself.
pub fn pgdir_walk(pgdir: PgDir, va: VirtAddr) -> Option<u32> {
    with(|p| pgdir::walk(&mut p.frames, pgdir, va, false).map(|pte| *pte))
}

/// Replaces the entry `pgdir_walk` would return with `change(entry)`, under
/// the pmap lock; returns (old, new), or `None` if there is no page table.
/// The caller invalidates the TLB entry.
pub fn update_pte(
    pgdir: PgDir,
    va: VirtAddr,
    change: impl FnOnce(u32) -> u32,
) -> Option<(u32, u32)> {
    with(|p| {
        let pte = pgdir::walk(&mut p.frames, pgdir, va, false)?;
        let old = *pte;
        *pte = change(old);
        Some((old, *pte))
    })
}

/// An env's address space as the calls that add or remove mappings need
/// it: the page directory, and the env slot whose `EnvMem` counts the
/// pages mapped there (`env::space_of` makes one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    pub pgdir: PgDir,
    pub slot: usize,
}

/// Maps frame `pa` at `va` with `perm | PTE_P`, replacing (and releasing)
/// whatever was there. Re-inserting the same frame at the same place only
/// changes the permissions. `Err(-E_NO_MEM)` if a page table is needed and
/// none can be allocated, or if `va` is unmapped and the env has as many
/// pages as its quota allows.
pub fn page_insert(space: Space, pa: PhysAddr, va: VirtAddr, perm: u32) -> Result<(), i32> {
    with(|p| p.insert_counted(space, pa, va, perm))
}

impl Pmap {
    /// `page_insert` under the lock: `pgdir::insert`, within the quota.
    fn insert_counted(
        &mut self,
        space: Space,
        pa: PhysAddr,
        va: VirtAddr,
        perm: u32,
    ) -> Result<(), i32> {
        // The walk is only needed at the quota: below it any mapping fits.
        if self.room(space.slot) == 0 && pgdir::lookup(&mut self.frames, space.pgdir, va).is_none()
        {
            return Err(-E_NO_MEM);
        }
        let new = pgdir::insert(&mut self.frames, space.pgdir, pa, va, perm)?;
        self.envmem(space.slot).em_pages += u32::from(new);
        Ok(())
    }
}

/// sys_page_alloc once its arguments are checked: a zeroed frame mapped at
/// `va` in `space` (`page_insert`'s rules), under one hold of the pmap lock.
/// `Err(-E_NO_MEM)` if no frame is free, or `page_insert`'s error, and
/// then the frame is free again.
pub fn page_alloc_at(space: Space, va: VirtAddr, perm: u32) -> Result<(), i32> {
    with(|p| {
        let pa = p.frames.alloc(true).ok_or(-E_NO_MEM)?;
        p.insert_counted(space, pa, va, perm)
            .inspect_err(|_| p.frames.free(pa))
    })
}

/// sys_page_map once the envids, addresses and `perm` are checked: maps at
/// `dstva` in `dst` the frame `src` maps at `srcva` (`pgdir::mappable`'s
/// checks, then `page_insert`'s), under one hold of the pmap lock. A page
/// mapped onto itself only changes its rights (`pgdir::reprotect`).
pub fn page_map(
    src: PgDir,
    srcva: VirtAddr,
    dst: Space,
    dstva: VirtAddr,
    perm: u32,
) -> Result<(), i32> {
    with(|p| {
        if src == dst.pgdir && srcva == dstva {
            return pgdir::reprotect(&mut p.frames, src, srcva, perm);
        }
        let pa = pgdir::mappable(&mut p.frames, src, srcva, perm)?;
        p.insert_counted(dst, pa, dstva, perm)
    })
}

/// The frame at `va` in `pgdir`, if it may be mapped with `perm`
/// (`pgdir::mappable`).
pub fn page_mappable(pgdir: PgDir, va: VirtAddr, perm: u32) -> Result<PhysAddr, i32> {
    with(|p| pgdir::mappable(&mut p.frames, pgdir, va, perm))
}

/// Replaces the frame mapped at `va` in `space` by a new frame holding a
/// copy of its contents, mapped with `perm` (sys_page_copy). -E_INVAL if
/// nothing is mapped there, -E_NO_MEM if no frame is free; either way
/// nothing changes. The old frame loses this mapping's reference.
pub fn page_copy(space: Space, va: VirtAddr, perm: u32) -> Result<(), i32> {
    with(|p| {
        let (old, _) = pgdir::lookup(&mut p.frames, space.pgdir, va).ok_or(-E_INVAL)?;
        let new = p.frames.alloc(false).ok_or(-E_NO_MEM)?;
        p.frames.map().copy_page(new, old);
        // The page table exists and a fresh frame has room for a
        // reference, so this cannot fail; it replaces a mapping, so the
        // count (and the quota) stay as they are.
        let added = pgdir::insert(&mut p.frames, space.pgdir, new, va, perm)
            .expect("replacing a mapped page with a fresh frame");
        assert!(!added, "page_copy replaced a mapped page");
        Ok(())
    })
}

/// Maps the pages `pages` names from `src` into `dst`, all or nothing
/// (`pgdir::map_batch`, which also refuses a batch beyond dst's quota),
/// under one acquisition of the pmap lock.
pub fn page_map_batch(src: PgDir, dst: Space, pages: &[u32]) -> Result<(), i32> {
    with(|p| {
        let room = p.room(dst.slot);
        let new = pgdir::map_batch(&mut p.frames, src, dst.pgdir, pages, room)?;
        p.envmem(dst.slot).em_pages += new;
        Ok(())
    })
}

/// The frame mapped at `va` and its page-table entry.
pub fn page_lookup(pgdir: PgDir, va: VirtAddr) -> Option<(PhysAddr, u32)> {
    with(|p| pgdir::lookup(&mut p.frames, pgdir, va))
}

/// Unmaps `va` (silently does nothing if unmapped).
pub fn page_remove(space: Space, va: VirtAddr) {
    with(|p| {
        if pgdir::remove(&mut p.frames, space.pgdir, va) {
            p.envmem(space.slot).em_pages -= 1;
        }
    })
}

/// Env slot `slot`'s memory accounting, as user space sees it at UENVMEM.
pub fn env_mem(slot: usize) -> EnvMem {
    with(|p| *p.envmem(slot))
}

/// Sets env slot `slot`'s quota (`NO_QUOTA` for none). A quota below what
/// is mapped now takes nothing away; it stops further growth.
pub fn set_quota(slot: usize, quota: u32) {
    with(|p| p.envmem(slot).em_quota = quota)
}

/// Drops the TLB entry for `va` if `pgdir` is the one loaded on this CPU.
pub fn tlb_invalidate(pgdir: PgDir, va: VirtAddr) {
    #[cfg(target_os = "none")]
    if crate::x86::rcr3() == pgdir.pa().0 {
        crate::x86::invlpg(va.0);
    }
    #[cfg(not(target_os = "none"))]
    let _ = (pgdir, va); // host tests have no TLB
}

/// Reserves `size` bytes in the MMIO window and maps physical `pa` there
/// uncached; returns the virtual address.
pub fn mmio_map_region(pa: PhysAddr, size: u32) -> VirtAddr {
    with(|p| p.mmio_map_region(pa, size))
}

/// A new page directory for a user environment: the kernel's mappings above
/// UTOP shared, nothing below, UVPT mapping the directory itself read-only.
/// Err(-E_NO_MEM).
pub fn pgdir_create() -> Result<PgDir, i32> {
    with(|p| pgdir::create(&mut p.frames, p.kern_pgdir))
}

/// Releases every user page (below UTOP), every page table and the directory.
/// Must not be the directory loaded on this CPU.
///
/// No other CPU may have it loaded either: its TLB (and paging-structure
/// caches) could still reach the page tables. An env is only freed once no
/// CPU runs it (a DYING env is freed by its own CPU, which first loads
/// kern_pgdir), and every CPU loads another directory before it gives up
/// the big kernel lock, so this holds; the assertion keeps it so.
/// The slot's accounting starts over: no pages, no quota.
pub fn pgdir_free(space: Space) {
    let me = this_cpu();
    let pgdir = space.pgdir;
    with(|p| {
        assert!(pgdir != p.kern_pgdir, "pgdir_free(kern_pgdir)");
        if let Some(cpu) = p.frames.tlb.loaded_elsewhere(me, pgdir.pa()) {
            panic!("pgdir_free: directory still loaded on CPU {}", cpu);
        }
        pgdir::free(&mut p.frames, pgdir);
        *p.envmem(space.slot) = EnvMem::default();
    })
}

/// Checks that [va, va+len) is mapped in `pgdir` with `perm | PTE_P` and lies
/// below ULIM. `Err(first_bad_va)` otherwise (JOS's user_mem_check).
pub fn user_mem_check(pgdir: PgDir, va: VirtAddr, len: u32, perm: u32) -> Result<(), VirtAddr> {
    with(|p| pgdir::user_mem_check(&mut p.frames, pgdir, va, len, perm))
}

/// Top of CPU `cpu`'s kernel stack in the KSTACKTOP area.
pub fn kstack_top(cpu: usize) -> u32 {
    KSTACKTOP - cpu as u32 * (KSTKSIZE + KSTKGAP)
}

/// The unmapped KSTKGAP guard below CPU `cpu`'s kernel stack, [lo, hi).
pub fn kstack_guard(cpu: usize) -> (u32, u32) {
    let hi = kstack_top(cpu) - KSTKSIZE;
    (hi - KSTKGAP, hi)
}

/// The CPU whose kernel-stack guard `va` lies in, if any.
pub fn kstack_guard_of(va: u32) -> Option<usize> {
    (0..inc::memlayout::NCPU).find(|&cpu| {
        let (lo, hi) = kstack_guard(cpu);
        (lo..hi).contains(&va)
    })
}

#[cfg(target_os = "none")]
pub use self::boot::mem_init;

/// The bare-machine half: sizing memory, the boot allocations, CR3/CR4/CR0.
#[cfg(target_os = "none")]
mod boot {
    use super::*;
    use crate::frames::{BootAlloc, DirectMap};
    use crate::x86;
    use core::cell::UnsafeCell;
    use inc::mmu::*;

    use crate::init::ENTRY_MAPPED;
    /// The most physical memory the window above KERNBASE can map.
    const MAX_PHYS: u64 = (1 << 32) - KERNBASE as u64;

    const _: () = assert!(crate::multiboot_info::MAX_MODULES <= MAX_MODULE_RANGES);

    /// Every CPU's kernel stack; mapped below KSTACKTOP with guard gaps.
    #[repr(C, align(4096))]
    struct KernelStacks(UnsafeCell<[[u8; KSTKSIZE as usize]; NCPU]>);

    // SAFETY: only its address is used: the stacks are reached through the
    // page tables at KSTACKTOP, never through this static.
    unsafe impl Sync for KernelStacks {}

    /// In `.bss` (an UnsafeCell keeps it out of read-only data, since the
    /// CPUs write it through another mapping).
    static PERCPU_KSTACKS: KernelStacks =
        KernelStacks(UnsafeCell::new([[0; KSTKSIZE as usize]; NCPU]));

    extern "C" {
        /// First byte after the kernel image (kernel.ld).
        static end: u8;
    }

    /// Sets up the kernel's address space and runs the lab-2 self-checks
    /// (unless the command line says `nocheck`). Called once by `i386_init`.
    pub fn mem_init() {
        let info = crate::init::boot_info();
        let npages = detect_memory(info.mem_top, info.basemem);
        let mut modules: [Range<u32>; MAX_MODULE_RANGES] = Default::default();
        for (slot, m) in modules.iter_mut().zip(info.modules()) {
            *slot = m.start..m.end;
        }
        let kernel_end = (&raw const end) as u32 - KERNBASE;
        // SAFETY: KERNBASE + pa reaches physical memory; until kern_pgdir is
        // loaded only the first 8 MB, which the boot allocator and the
        // ascending free list stay within (map_kernel needs only a few pages).
        let map = unsafe { DirectMap::new(KERNBASE as usize, npages as u32 * PGSIZE) };
        let mut boot = BootAlloc::new(kernel_end, ENTRY_MAPPED, &modules);
        let kern_pgdir = boot.alloc(&map, PGSIZE);
        let pages = boot.alloc(&map, (npages * core::mem::size_of::<PageInfo>()) as u32);
        let envs = PhysAddr(crate::env::ENV_TABLE.as_ptr() as u32 - KERNBASE);
        let envmem = boot.alloc(&map, ENVMEM_SIZE);
        let layout = PhysLayout {
            npages,
            basemem: info.basemem,
            kernel_end,
            boot_end: boot.next_free(),
            kern_pgdir,
            pages,
            envs,
            envmem,
            kstacks: PhysAddr((&raw const PERCPU_KSTACKS) as u32 - KERNBASE),
            modules: modules.clone(),
            pse: cpu_has_pse(),
        };
        // SAFETY: the array was boot-allocated for npages entries, and
        // free_at_boot rejects the kernel image and every boot allocation.
        let frames = unsafe { Frames::new(map, pages, npages, |pa| layout.free_at_boot(pa)) };
        let pmap = Pmap::new(frames, layout);
        load_kern_pgdir(&pmap);
        *PMAP.lock() = Some(pmap);

        if !crate::init::cmdline().nocheck {
            with(crate::pmap_check::run_all);
        }
        // After the checks, which take and give back every free frame (and
        // so would leave the pool dirty). RAM's old contents never reach an
        // env either way; zeroing now only moves the work out of alloc.
        with(|p| p.frames.zero_free_frames(ZERO_POOL_TARGET));
        with(zero_frame_init);
    }

    /// Number of frames to manage, from the multiboot memory map, clamped to
    /// what the KERNBASE window can map. Prints JOS's memory line.
    fn detect_memory(mem_top: u64, basemem: u32) -> usize {
        let mut top = mem_top;
        if top > MAX_PHYS {
            cprintf!(
                "Physical memory: %uK found, only the first %uK can be mapped at KERNBASE\n",
                (top / 1024) as u32,
                (MAX_PHYS / 1024) as u32
            );
            top = MAX_PHYS;
        }
        let npages = (top / PGSIZE as u64) as usize;
        let total_kb = npages as u32 * (PGSIZE / 1024);
        let base_kb = basemem / 1024;
        cprintf!(
            "Physical memory: %uK available, base = %uK, extended = %uK\n",
            total_kb,
            base_kb,
            total_kb - base_kb
        );
        npages
    }

    /// CPUID leaf 1, EDX bit 3: page size extensions (4 MB pages).
    fn cpu_has_pse() -> bool {
        let (_, _, _, edx) = x86::cpuid(1);
        edx & (1 << 3) != 0
    }

    /// Switches this CPU to `kern_pgdir` and sets the control registers.
    fn load_kern_pgdir(p: &Pmap) {
        if p.layout.pse {
            // SAFETY: turning PSE on only gives PTE_PS its meaning; the entry
            // page directory already relies on it.
            unsafe { x86::lcr4(x86::rcr4() | CR4_PSE) };
        }
        // SAFETY: kern_pgdir maps the kernel image, its data and the boot
        // stack at KERNBASE, where they are now.
        unsafe { x86::lcr3(p.kern_pgdir.pa().0) };
        let cr0 = (x86::rcr0() | CR0_KERNEL_ON) & !CR0_KERNEL_OFF;
        // SAFETY: paging and protection stay on; WP makes the kernel honour
        // read-only pages too.
        unsafe { x86::lcr0(cr0) };
    }
}

/// A simulated machine for host tests: `npages` frames in a heap arena laid
/// out like the real one (base memory, I/O hole, a kernel image at 1 MB with
/// the stacks inside it, one module right after it and one further up).
#[cfg(test)]
mod guard_tests {
    use super::*;

    #[test]
    fn kernel_stack_guards() {
        let (lo, hi) = kstack_guard(0);
        assert_eq!(hi, KSTACKTOP - KSTKSIZE);
        assert_eq!(hi - lo, KSTKGAP);
        assert_eq!(kstack_guard_of(hi - 4), Some(0));
        assert_eq!(kstack_guard_of(lo), Some(0));
        assert_eq!(kstack_guard_of(hi), None, "the stack itself");
        assert_eq!(kstack_guard_of(lo - 4), None, "CPU 1's stack");
        assert_eq!(kstack_guard_of(kstack_guard(1).1 - 4), Some(1));
        assert_eq!(kstack_guard_of(0xF010_0000), None);
    }
}

#[cfg(test)]
pub mod sim {
    use super::*;
    use crate::frames::testmem::Arena;
    use crate::frames::BootAlloc;

    pub struct Machine {
        pub pmap: Pmap,
        _arena: Arena,
    }

    pub const KERNEL_END: u32 = 0x15_0000;

    pub fn machine(npages: usize, pse: bool) -> Machine {
        let arena = Arena::new(npages as u32 * PGSIZE);
        let map = arena.map();
        let mut modules: [Range<u32>; MAX_MODULE_RANGES] = Default::default();
        modules[0] = KERNEL_END..KERNEL_END + 0x1800;
        modules[1] = 0x30_0000..0x30_2000;
        let mut boot = BootAlloc::new(KERNEL_END, map.size(), &modules);
        let kern_pgdir = boot.alloc(&map, PGSIZE);
        let pages = boot.alloc(&map, (npages * core::mem::size_of::<PageInfo>()) as u32);
        let envs = boot.alloc(&map, ENVS_SIZE);
        let envmem = boot.alloc(&map, ENVMEM_SIZE);
        let layout = PhysLayout {
            npages,
            basemem: 639 * 1024,
            kernel_end: KERNEL_END,
            boot_end: boot.next_free(),
            kern_pgdir,
            pages,
            envs,
            envmem,
            kstacks: PhysAddr(EXTPHYSMEM),
            modules: modules.clone(),
            pse,
        };
        // SAFETY: the array was boot-allocated; free_at_boot rejects the
        // "kernel image" and the boot allocations.
        let frames = unsafe { Frames::new(map, pages, npages, |pa| layout.free_at_boot(pa)) };
        Machine {
            pmap: Pmap::new(frames, layout),
            _arena: arena,
        }
    }
}
