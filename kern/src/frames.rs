//! Physical page frames (JOS lab 2, part 1): the boot allocator, the
//! `PageInfo` array and the free lists, plus the limbo where frames wait
//! until no CPU's TLB can still reach them (see `tlb.rs`).
//!
//! Free frames sit on one of two lists, both threaded through `pp_link`:
//! the dirty list (whatever the last owner left in them) and the zero pool
//! (known to hold only zeroes). `alloc(zero = true)` takes from the pool
//! and so skips the 1,024-word fill, which was about half of a
//! `sys_page_alloc` (issue 11); it zeroes a dirty frame only when the pool
//! is empty. `alloc(zero = false)` takes a dirty frame first, so as not to
//! waste zeroing. Freed frames always go to the dirty list (through limbo
//! when a stale TLB may still reach them). The pool is filled at boot
//! ([`Frames::zero_free_frames`]) and by idle CPUs, a frame at a time
//! ([`Frames::zero_one_free_frame`], called from `sched_halt`); the policy
//! is in docs/decisions.md. Every count of free memory counts both lists.
//!
//! Nothing here touches hardware. The kernel reaches physical memory through
//! a [`DirectMap`] (physical address + KERNBASE); host tests use a
//! [`DirectMap`] over a heap arena instead, so the very same code runs under
//! `cargo test`.

use crate::addr::PhysAddr;
use crate::tlb::{Epochs, TlbTracker};
use core::ops::Range;
use inc::error::E_NO_MEM;
use inc::memlayout::{KERNBASE, PGSIZE};
use inc::mmu::round_up;

/// The most references (mappings, page-table entries) one frame may hold:
/// every value JOS's u16 `pp_ref` can count. One more is refused.
pub const MAX_PAGE_REFS: u16 = u16::MAX;

/// JOS's `struct PageInfo`, mapped read-only at UPAGES (8 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PageInfo {
    /// Kernel virtual address of the next free PageInfo (0 = none).
    pub pp_link: u32,
    pub pp_ref: u16,
    /// Kernel-only bookkeeping in JOS's padding (users see the layout, not
    /// this meaning): for a page directory, how many page tables it holds,
    /// so that freeing it stops scanning once it found them all
    /// (pgdir.rs). 0 for every other frame.
    pub pp_tables: u16,
}

/// How this code reaches physical memory: byte `pa` lives at `base + pa`.
#[derive(Clone, Copy, Debug)]
pub struct DirectMap {
    base: usize,
    size: u32,
}

impl DirectMap {
    /// # Safety
    /// `[base, base + size)` must be page-aligned memory that only the
    /// allocator and page-table code (under the pmap lock) use, for as long
    /// as the map is in use.
    pub const unsafe fn new(base: usize, size: u32) -> DirectMap {
        DirectMap { base, size }
    }

    /// Bytes of physical memory reachable through the map.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Pointer to physical address `pa`; panics if `pa` lies outside the map.
    pub fn ptr<T>(&self, pa: PhysAddr) -> *mut T {
        assert!(
            pa.0 < self.size,
            "physical address {:#x} outside memory",
            pa.0
        );
        (self.base + pa.0 as usize) as *mut T
    }

    /// Fills the page at `pa` with zeroes.
    pub fn zero_page(&self, pa: PhysAddr) {
        assert!(pa.is_page_aligned() && pa.0 <= self.size - PGSIZE);
        let words = (PGSIZE / 4) as usize;
        // SAFETY: the whole page lies inside the map (checked above), which
        // `new`'s caller gave to us.
        #[cfg(target_os = "none")]
        unsafe {
            crate::x86::fill_words(self.ptr::<u32>(pa), 0, words)
        };
        // SAFETY: as above.
        #[cfg(not(target_os = "none"))]
        unsafe {
            core::ptr::write_bytes(self.ptr::<u32>(pa), 0, words)
        };
    }

    /// Copies the page at `src` over the page at `dst` (another frame).
    pub fn copy_page(&self, dst: PhysAddr, src: PhysAddr) {
        let in_map = |pa: PhysAddr| pa.is_page_aligned() && pa.0 <= self.size - PGSIZE;
        assert!(in_map(dst) && in_map(src) && dst != src);
        let words = (PGSIZE / 4) as usize;
        // SAFETY: both pages lie inside the map (checked above) and are
        // different frames, so the ranges do not overlap.
        #[cfg(target_os = "none")]
        unsafe {
            crate::x86::copy_words(self.ptr::<u32>(dst), self.ptr::<u32>(src), words)
        };
        // SAFETY: as above.
        #[cfg(not(target_os = "none"))]
        unsafe {
            core::ptr::copy_nonoverlapping(self.ptr::<u32>(src), self.ptr::<u32>(dst), words)
        };
    }
}

/// JOS's `boot_alloc`: hands out page-aligned zeroed memory upwards from the
/// end of the kernel image, before the free list exists. It never gives
/// memory back, and steps over `avoid` (multiboot modules, which the boot
/// loader places right after the kernel image).
pub struct BootAlloc<'a> {
    next: u32,
    limit: u32,
    avoid: &'a [Range<u32>],
}

impl<'a> BootAlloc<'a> {
    /// Starts at `start` (rounded up to a page); nothing may reach `limit`.
    pub fn new(start: u32, limit: u32, avoid: &'a [Range<u32>]) -> BootAlloc<'a> {
        BootAlloc {
            next: round_up(start, PGSIZE),
            limit,
            avoid,
        }
    }

    /// `n` zeroed bytes (a whole number of pages). Panics when the memory
    /// reachable at boot runs out: only the kernel's set-up calls this.
    pub fn alloc(&mut self, map: &DirectMap, n: u32) -> PhysAddr {
        let size = round_up(n, PGSIZE);
        while let Some(r) = self.avoid.iter().find(|r| overlaps(r, self.next, size)) {
            self.next = round_up(r.end, PGSIZE);
        }
        let start = self.next;
        let end = start as u64 + size as u64;
        if end > self.limit.min(map.size()) as u64 {
            panic!("boot_alloc: out of memory ({} bytes wanted)", n);
        }
        self.next = end as u32;
        for off in (0..size).step_by(PGSIZE as usize) {
            map.zero_page(PhysAddr(start + off));
        }
        PhysAddr(start)
    }

    /// First physical address not yet handed out.
    pub fn next_free(&self) -> u32 {
        self.next
    }
}

/// Physical address of frame number `i`.
fn frame_pa(i: usize) -> PhysAddr {
    PhysAddr(i as u32 * PGSIZE)
}

/// Does `[start, start + size)` share a byte with `r`?
fn overlaps(r: &Range<u32>, start: u32, size: u32) -> bool {
    (start as u64) < r.end as u64 && (r.start as u64) < start as u64 + size as u64
}

/// A list of frames in limbo threaded through `pp_link` (values are
/// `PageInfo` kernel addresses, 0 = none), like the free lists.
#[derive(Clone, Copy, Debug, Default)]
struct FrameList {
    head: u32,
    tail: u32,
    len: usize,
}

/// Frames whose last reference is gone while some CPU may still hold a TLB
/// entry for them. Two batches, so that a steady stream of new arrivals
/// cannot keep every frame waiting: `open` takes arrivals and the latest
/// epochs to wait for; `sealed` takes no more, so it empties as soon as the
/// CPUs it waits for have reloaded CR3 once.
#[derive(Default)]
struct Limbo {
    sealed: FrameList,
    sealed_wait: Epochs,
    open: FrameList,
    open_wait: Epochs,
}

/// A last-in first-out list of free frames threaded through `pp_link`.
#[derive(Clone, Copy, Debug, Default)]
struct FreeStack {
    /// `pp_link` value of the first frame (0 = none).
    head: u32,
    len: usize,
}

/// Which free list: frames of unknown contents, or frames known to be zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dirty,
    Zeroed,
}

/// The frame table: one `PageInfo` per physical page, and the two free
/// lists threaded through them. Free frames have refcount 0; the dirty list
/// hands out low addresses first (boot-time page tables must lie in the
/// first 4 MB, the only memory the entry page directory maps).
pub struct Frames {
    map: DirectMap,
    pages_pa: PhysAddr,
    npages: usize,
    /// Free frames whose contents are unknown.
    dirty: FreeStack,
    /// Free frames known to hold only zeroes (the zero pool).
    zeroed: FreeStack,
    limbo: Limbo,
    /// Which CPU has which page directory loaded; decides whether a frame
    /// freed now must wait in limbo.
    pub tlb: TlbTracker,
}

// SAFETY: `Frames` only holds addresses; the pmap lock serialises its users.
unsafe impl Send for Frames {}

impl Frames {
    /// Builds the frame table in the `npages * 8` bytes at `pages_pa` and
    /// puts on the free list every frame `is_free(pa)` accepts.
    ///
    /// # Safety
    /// The array must lie inside `map` and not overlap memory anyone else
    /// uses, and `is_free` must reject every frame that is in use (the
    /// kernel, the array itself, other boot allocations).
    pub unsafe fn new(
        map: DirectMap,
        pages_pa: PhysAddr,
        npages: usize,
        is_free: impl Fn(PhysAddr) -> bool,
    ) -> Frames {
        let bytes = (npages * core::mem::size_of::<PageInfo>()) as u64;
        assert!(pages_pa.0 as u64 + bytes <= map.size() as u64);
        assert!(npages as u64 * PGSIZE as u64 <= map.size() as u64);
        let mut frames = Frames {
            map,
            pages_pa,
            npages,
            dirty: FreeStack::default(),
            zeroed: FreeStack::default(),
            limbo: Limbo::default(),
            tlb: TlbTracker::new(),
        };
        // Push from the top down so the list comes out in ascending order.
        for i in (0..npages).rev() {
            *frames.info_mut(i) = PageInfo::default();
            let pa = PhysAddr((i as u32) * PGSIZE);
            if is_free(pa) {
                frames.push(Kind::Dirty, i);
            }
        }
        frames
    }

    pub fn map(&self) -> &DirectMap {
        &self.map
    }

    pub fn npages(&self) -> usize {
        self.npages
    }

    /// Physical address of the `PageInfo` array (mapped at UPAGES).
    #[cfg(test)]
    pub fn pages_pa(&self) -> PhysAddr {
        self.pages_pa
    }

    /// Free frames: the dirty list and the zero pool together.
    pub fn free_count(&self) -> usize {
        self.dirty.len + self.zeroed.len
    }

    /// Free frames in the zero pool (known to hold only zeroes).
    #[cfg(test)]
    pub fn zeroed_count(&self) -> usize {
        self.zeroed.len
    }

    /// Frames waiting in limbo for other CPUs to flush their TLBs.
    pub fn limbo_count(&self) -> usize {
        self.limbo.sealed.len + self.limbo.open.len
    }

    /// A free frame, zeroed if `zero`, refcount 0. `None` when none is left.
    ///
    /// A zeroed frame comes from the zero pool if it has one; only when the
    /// pool is empty is a dirty frame zeroed here. A frame whose contents
    /// do not matter comes from the dirty list first, so the pool is kept
    /// for callers that need zeroes.
    pub fn alloc(&mut self, zero: bool) -> Option<PhysAddr> {
        self.reclaim();
        if !zero {
            let i = self.pop(Kind::Dirty).or_else(|| self.pop(Kind::Zeroed))?;
            return Some(frame_pa(i));
        }
        if let Some(i) = self.pop(Kind::Zeroed) {
            return Some(frame_pa(i));
        }
        let pa = frame_pa(self.pop(Kind::Dirty)?);
        self.map.zero_page(pa);
        Some(pa)
    }

    /// Puts frame `pa` back on the (dirty) free list. Only for a frame no
    /// page table has mapped since it was allocated (no TLB can hold it); a
    /// mapped frame is released by `decref`. Panics if it is still
    /// referenced or already free: both are kernel bugs.
    pub fn free(&mut self, pa: PhysAddr) {
        let i = self.check_unused(pa);
        self.push(Kind::Dirty, i);
    }

    /// Zeroes the first `max` frames of the dirty list (all of it if it is
    /// shorter) and moves them, in the same order, to the front of the zero
    /// pool; returns how many moved. For boot, when nothing else runs: it
    /// holds the pmap lock throughout.
    pub fn zero_free_frames(&mut self, max: usize) -> usize {
        let n = max.min(self.dirty.len);
        if n == 0 {
            return 0;
        }
        let first = self.dirty.head;
        let mut last = first;
        for k in 0..n {
            let i = self.index_of_link(last);
            self.map.zero_page(frame_pa(i));
            if k + 1 < n {
                last = self.info(i).pp_link;
            }
        }
        let last_i = self.index_of_link(last);
        self.dirty.head = self.info(last_i).pp_link;
        self.dirty.len -= n;
        self.info_mut(last_i).pp_link = self.zeroed.head;
        self.zeroed.head = first;
        self.zeroed.len += n;
        n
    }

    /// One step of idle-time zeroing: if the zero pool holds fewer than
    /// `target` frames, zeroes one dirty frame (after taking back from
    /// limbo what no TLB can reach) and moves it to the pool. Returns
    /// whether another step would do something, so the idle loop can stop.
    /// One step is one page of writes: the caller's latency bound.
    pub fn zero_one_free_frame(&mut self, target: usize) -> bool {
        self.reclaim();
        if self.zeroed.len >= target {
            return false;
        }
        let Some(i) = self.pop(Kind::Dirty) else {
            return false;
        };
        self.map.zero_page(frame_pa(i));
        self.push(Kind::Zeroed, i);
        self.zeroed.len < target && self.dirty.len > 0
    }

    /// The index of `pa`, after checking it is neither referenced nor free
    /// nor in limbo already.
    fn check_unused(&self, pa: PhysAddr) -> usize {
        let i = self.index(pa);
        let link = self.link_of(i);
        let page = *self.info(i);
        assert!(
            page.pp_ref == 0,
            "page_free: frame {:#x} still referenced",
            pa.0
        );
        // Only the last frame of a list has pp_link 0; the free lists'
        // first frames are the ones whose links nothing else records.
        let list_ends = [
            self.dirty.head,
            self.zeroed.head,
            self.limbo.open.tail,
            self.limbo.sealed.tail,
        ];
        assert!(
            page.pp_link == 0 && !list_ends.contains(&link),
            "page_free: frame {:#x} is already free",
            pa.0
        );
        i
    }

    /// A frame whose last mapping is gone: free at once if no CPU can
    /// still reach it through its TLB, else into limbo.
    fn release(&mut self, pa: PhysAddr) {
        let i = self.check_unused(pa);
        // Asked as a yes/no first: matching on the epochs themselves made
        // the compiler copy all of them (about 40 instructions) on every
        // release, though nearly every one goes straight to the free list.
        if self.tlb.pending().is_none() {
            self.push(Kind::Dirty, i);
        } else {
            self.park_in_limbo(i);
        }
    }

    /// Frame `i` waits in limbo for the CR3 loads `tlb.pending()` names.
    #[inline(never)]
    fn park_in_limbo(&mut self, i: usize) {
        let Some(wait) = self.tlb.pending() else {
            unreachable!("park_in_limbo with no TLB to wait for")
        };
        let link = self.link_of(i);
        self.info_mut(i).pp_link = self.limbo.open.head;
        let open = &mut self.limbo.open;
        if open.head == 0 {
            open.tail = link;
        }
        open.head = link;
        open.len += 1;
        self.limbo.open_wait = self.limbo.open_wait.max(wait);
    }

    /// Moves to the dirty free list every limbo frame that no TLB can reach any
    /// more (every CPU it waited for has reloaded CR3).
    ///
    /// Every allocation calls this, and limbo is nearly always empty (at
    /// one CPU, always): that case returns at once. The loop is kept apart
    /// because inlined here the compiler loaded every CPU's epoch first
    /// (about 55 instructions per allocation, issue 11).
    pub fn reclaim(&mut self) {
        if self.limbo.sealed.len == 0 && self.limbo.open.len == 0 {
            return;
        }
        self.reclaim_limbo();
    }

    #[inline(never)]
    fn reclaim_limbo(&mut self) {
        loop {
            if self.limbo.sealed.len > 0 {
                if !self.tlb.reached(&self.limbo.sealed_wait) {
                    return;
                }
                let batch = core::mem::take(&mut self.limbo.sealed);
                self.splice_free(batch);
            }
            if self.limbo.open.len == 0 {
                return;
            }
            self.limbo.sealed = core::mem::take(&mut self.limbo.open);
            self.limbo.sealed_wait = self.limbo.open_wait;
        }
    }

    /// Puts a whole list in front of the dirty free list.
    fn splice_free(&mut self, list: FrameList) {
        let tail = self.index_of_link(list.tail);
        self.info_mut(tail).pp_link = self.dirty.head;
        self.dirty.head = list.head;
        self.dirty.len += list.len;
    }

    /// Takes one more reference to frame `pa`: the only place a count goes
    /// up. A frame already holding [`MAX_PAGE_REFS`] is refused with
    /// `-E_NO_MEM` and nothing changes (JOS wraps the u16 instead, and the
    /// frame is freed while still mapped).
    pub fn incref(&mut self, pa: PhysAddr) -> Result<(), i32> {
        self.can_incref(pa)?;
        let i = self.index(pa);
        self.info_mut(i).pp_ref += 1;
        Ok(())
    }

    /// Would `incref(pa)` succeed? For callers that must refuse before
    /// they allocate anything (a page table for the new mapping).
    pub fn can_incref(&self, pa: PhysAddr) -> Result<(), i32> {
        // `==` suffices: counts only ever rise here, one at a time.
        if self.refcount(pa) == MAX_PAGE_REFS {
            return Err(-E_NO_MEM);
        }
        Ok(())
    }

    /// Drops one reference; when none is left, frees the frame, or puts it
    /// in limbo if another CPU may still reach it through a stale TLB entry.
    pub fn decref(&mut self, pa: PhysAddr) {
        let page = self.info_mut(self.index(pa));
        page.pp_ref = page
            .pp_ref
            .checked_sub(1)
            .expect("page_decref: refcount already 0");
        if page.pp_ref == 0 {
            self.release(pa);
        }
    }

    /// How many page tables directory `pa` holds (see `PageInfo`).
    pub fn tables(&self, pa: PhysAddr) -> u16 {
        self.info(self.index(pa)).pp_tables
    }

    /// Sets that count; only pgdir.rs keeps it, as it adds and frees tables.
    pub fn set_tables(&mut self, pa: PhysAddr, n: u16) {
        let i = self.index(pa);
        self.info_mut(i).pp_tables = n;
    }

    pub fn refcount(&self, pa: PhysAddr) -> u16 {
        self.info(self.index(pa)).pp_ref
    }

    /// Walks the free frames in the order `alloc(false)` hands them out:
    /// the dirty list, then the zero pool (the self-checks use this).
    pub fn free_list(&self) -> impl Iterator<Item = PhysAddr> + '_ {
        self.walk(self.dirty.head)
            .chain(self.walk(self.zeroed.head))
    }

    /// Walks the zero pool alone.
    #[cfg(test)]
    pub fn zeroed_list(&self) -> impl Iterator<Item = PhysAddr> + '_ {
        self.walk(self.zeroed.head)
    }

    /// The frames of the `pp_link` chain that starts at `link`.
    fn walk(&self, mut link: u32) -> impl Iterator<Item = PhysAddr> + '_ {
        core::iter::from_fn(move || {
            if link == 0 {
                return None;
            }
            let i = self.index_of_link(link);
            link = self.info(i).pp_link;
            Some(frame_pa(i))
        })
    }

    fn list_mut(&mut self, kind: Kind) -> &mut FreeStack {
        match kind {
            Kind::Dirty => &mut self.dirty,
            Kind::Zeroed => &mut self.zeroed,
        }
    }

    fn push(&mut self, kind: Kind, i: usize) {
        let link = self.link_of(i);
        let head = self.list_mut(kind).head;
        self.info_mut(i).pp_link = head;
        let list = self.list_mut(kind);
        list.head = link;
        list.len += 1;
    }

    fn pop(&mut self, kind: Kind) -> Option<usize> {
        let head = self.list_mut(kind).head;
        if head == 0 {
            return None;
        }
        let i = self.index_of_link(head);
        let next = core::mem::take(&mut self.info_mut(i).pp_link);
        let list = self.list_mut(kind);
        list.head = next;
        list.len -= 1;
        Some(i)
    }

    /// Frame number of `pa` (JOS's `pa2page`); panics outside managed memory.
    fn index(&self, pa: PhysAddr) -> usize {
        let i = pa.page_number();
        assert!(
            i < self.npages,
            "pa2page: {:#x} is not a managed frame",
            pa.0
        );
        i
    }

    /// `pp_link` values are kernel virtual addresses of `PageInfo`s, as in JOS.
    fn link_of(&self, i: usize) -> u32 {
        KERNBASE + self.pages_pa.0 + (i * core::mem::size_of::<PageInfo>()) as u32
    }

    fn index_of_link(&self, link: u32) -> usize {
        (link - KERNBASE - self.pages_pa.0) as usize / core::mem::size_of::<PageInfo>()
    }

    fn info(&self, i: usize) -> &PageInfo {
        assert!(i < self.npages);
        let first = self.map.ptr::<PageInfo>(self.pages_pa);
        // SAFETY: `new`'s caller gave us npages entries at pages_pa, which
        // only this table reaches; i is in range, and the entry is borrowed
        // with `self`.
        unsafe { &*first.add(i) }
    }

    fn info_mut(&mut self, i: usize) -> &mut PageInfo {
        assert!(i < self.npages);
        let first = self.map.ptr::<PageInfo>(self.pages_pa);
        // SAFETY: as for `info`; borrowing `self` mutably keeps this the only
        // reference into the array while it lives.
        unsafe { &mut *first.add(i) }
    }
}

/// Simulated physical memory for host tests: a page-aligned heap arena.
#[cfg(test)]
pub mod testmem {
    use super::*;
    use std::alloc::{alloc_zeroed, dealloc, Layout};

    pub struct Arena {
        base: *mut u8,
        layout: Layout,
    }

    impl Arena {
        pub fn new(bytes: u32) -> Arena {
            let layout = Layout::from_size_align(bytes as usize, PGSIZE as usize).unwrap();
            // SAFETY: the layout has a nonzero size.
            let base = unsafe { alloc_zeroed(layout) };
            assert!(!base.is_null());
            Arena { base, layout }
        }

        pub fn map(&self) -> DirectMap {
            // SAFETY: the arena is ours, page-aligned, and outlives each test's use.
            unsafe { DirectMap::new(self.base as usize, self.layout.size() as u32) }
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { dealloc(self.base, self.layout) };
        }
    }

    /// `npages` frames of simulated memory whose frame table sits in frame
    /// 1; frame 0 and frame 1 are never free.
    pub fn frames(arena: &Arena, npages: usize) -> Frames {
        let map = arena.map();
        // SAFETY: the array (at most a page for the sizes tests use) sits in
        // frame 1, which is_free rejects.
        unsafe { Frames::new(map, PhysAddr(PGSIZE), npages, |pa| pa.0 >= 2 * PGSIZE) }
    }
}

#[cfg(test)]
mod tests {
    use super::testmem::*;
    use super::*;

    #[test]
    fn free_list_is_ascending_and_counted() {
        let arena = Arena::new(16 * PGSIZE);
        let mut f = frames(&arena, 16);
        assert_eq!(f.free_count(), 14);
        let listed: Vec<u32> = f.free_list().map(|pa| pa.0).collect();
        let want: Vec<u32> = (2..16).map(|i| i * PGSIZE).collect();
        assert_eq!(listed, want);
        assert_eq!(f.alloc(false), Some(PhysAddr(2 * PGSIZE)));
        assert_eq!(f.free_count(), 13);
    }

    #[test]
    fn alloc_until_empty_then_free() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let got: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(false)).collect();
        assert_eq!(got.len(), 6);
        assert_eq!(f.alloc(true), None);
        f.free(got[3]);
        assert_eq!(f.alloc(false), Some(got[3]));
    }

    #[test]
    fn alloc_zeroes_on_request() {
        let arena = Arena::new(4 * PGSIZE);
        let mut f = frames(&arena, 4);
        let pa = f.alloc(false).unwrap();
        // SAFETY: pa is a frame of the arena.
        unsafe { core::ptr::write_bytes(f.map().ptr::<u8>(pa), 0xAB, PGSIZE as usize) };
        f.free(pa);
        let again = f.alloc(true).unwrap();
        assert_eq!(again, pa);
        // SAFETY: as above.
        let bytes = unsafe { core::slice::from_raw_parts(f.map().ptr::<u8>(pa), PGSIZE as usize) };
        assert!(bytes.iter().all(|&b| b == 0));
    }

    #[test]
    fn decref_frees_at_zero() {
        let arena = Arena::new(4 * PGSIZE);
        let mut f = frames(&arena, 4);
        let pa = f.alloc(false).unwrap();
        f.incref(pa).unwrap();
        f.incref(pa).unwrap();
        f.decref(pa);
        assert_eq!(f.refcount(pa), 1);
        assert_eq!(f.free_count(), 1);
        f.decref(pa);
        assert_eq!(f.free_count(), 2);
    }

    #[test]
    fn incref_stops_at_the_limit_and_changes_nothing() {
        let arena = Arena::new(4 * PGSIZE);
        let mut f = frames(&arena, 4);
        let pa = f.alloc(false).unwrap();
        for _ in 0..MAX_PAGE_REFS {
            f.incref(pa).unwrap();
        }
        assert_eq!(f.refcount(pa), u16::MAX);
        assert_eq!(f.can_incref(pa), Err(-E_NO_MEM));
        assert_eq!(f.incref(pa), Err(-E_NO_MEM));
        assert_eq!(f.refcount(pa), MAX_PAGE_REFS, "a refused incref wrapped");
        // Dropping one makes room for one again; dropping all frees it.
        f.decref(pa);
        assert_eq!(f.incref(pa), Ok(()));
        let free = f.free_count();
        for _ in 0..MAX_PAGE_REFS {
            f.decref(pa);
        }
        assert_eq!(f.free_count(), free + 1);
    }

    #[test]
    #[should_panic(expected = "already free")]
    fn double_free_panics() {
        let arena = Arena::new(4 * PGSIZE);
        let mut f = frames(&arena, 4);
        let pa = f.alloc(false).unwrap();
        f.free(pa);
        f.free(pa);
    }

    /// A frame allocated and mapped (one reference).
    fn mapped_frame(f: &mut Frames) -> PhysAddr {
        let pa = f.alloc(false).unwrap();
        f.incref(pa).unwrap();
        pa
    }

    const CHILD_PGDIR: PhysAddr = PhysAddr(0x7000);

    #[test]
    fn frame_freed_behind_a_running_cpu_waits_for_its_reload() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let pa = mapped_frame(&mut f);
        let free_before = f.free_count();
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR);
        f.decref(pa);
        assert_eq!(f.free_count(), free_before);
        assert_eq!(f.limbo_count(), 1);
        // Allocating everything never hands out the frame in limbo.
        let rest: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(false)).collect();
        assert_eq!(rest.len(), free_before);
        assert!(!rest.contains(&pa));
        // CPU 1 reloads CR3: the next allocation finds it.
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        assert_eq!(f.alloc(false), Some(pa));
        assert_eq!(f.limbo_count(), 0);
    }

    #[test]
    fn frames_freed_with_no_stale_tlb_go_straight_back() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let pa = mapped_frame(&mut f);
        f.tlb.cr3_loaded(0, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR); // only this CPU ran it
        f.decref(pa);
        assert_eq!(f.limbo_count(), 0);
        assert_eq!(f.alloc(false), Some(pa));
    }

    #[test]
    fn later_arrivals_do_not_hold_back_earlier_ones() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let (a, b) = (mapped_frame(&mut f), mapped_frame(&mut f));
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR);
        f.decref(a);
        f.reclaim(); // seals the batch holding `a`
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR); // a new unmap behind CPU 1's back
        f.decref(b);
        let free_before = f.free_count();
        f.reclaim();
        assert_eq!(f.free_count(), free_before + 1, "a's batch is done");
        assert_eq!(f.limbo_count(), 1, "b waits for the next reload");
        f.tlb.cr3_loaded(1, PhysAddr(0x1000));
        f.reclaim();
        assert_eq!(f.limbo_count(), 0);
        assert_eq!(f.free_count(), free_before + 2);
        let listed: Vec<PhysAddr> = f.free_list().collect();
        assert!(listed.contains(&a) && listed.contains(&b));
        assert_eq!(listed.len(), f.free_count());
    }

    #[test]
    #[should_panic(expected = "already free")]
    fn freeing_a_frame_in_limbo_panics() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let pa = mapped_frame(&mut f);
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR);
        f.decref(pa);
        f.free(pa);
    }

    fn fill(f: &Frames, pa: PhysAddr, byte: u8) {
        // SAFETY: pa is a frame of the test's arena that the test owns.
        unsafe { core::ptr::write_bytes(f.map().ptr::<u8>(pa), byte, PGSIZE as usize) };
    }

    fn is_zero(f: &Frames, pa: PhysAddr) -> bool {
        // SAFETY: pa is a frame of the test's arena; read only.
        let bytes = unsafe { core::slice::from_raw_parts(f.map().ptr::<u8>(pa), PGSIZE as usize) };
        bytes.iter().all(|&b| b == 0)
    }

    /// Frames of an 8-frame arena (6 free) dirtied with `byte` and given
    /// back, so that nothing on the free list is zero.
    fn dirty_frames(arena: &Arena, byte: u8) -> Frames {
        let mut f = frames(arena, 8);
        let all: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(false)).collect();
        for &pa in all.iter().rev() {
            fill(&f, pa, byte);
            f.free(pa);
        }
        f
    }

    #[test]
    fn boot_zeroing_fills_the_pool_in_list_order() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = dirty_frames(&arena, 0xAB);
        let order: Vec<PhysAddr> = f.free_list().collect();
        assert_eq!(f.zero_free_frames(4), 4);
        let pool: Vec<PhysAddr> = f.zeroed_list().collect();
        assert_eq!(pool, order[..4], "the first four, in order");
        assert!(pool.iter().all(|&pa| is_zero(&f, pa)));
        assert!(!is_zero(&f, order[4]), "a fifth frame was zeroed");
        // The walk still sees every frame once; the count covers both lists.
        assert_eq!(f.free_count(), 6);
        assert_eq!(f.zeroed_count(), 4);
        let mut all: Vec<PhysAddr> = f.free_list().collect();
        all.sort();
        let mut want = order.clone();
        want.sort();
        assert_eq!(all, want);
        assert_eq!(f.zero_free_frames(usize::MAX), 2, "only two were left");
        assert_eq!(f.zeroed_count(), 6);
        assert_eq!(f.zero_free_frames(1), 0);
    }

    #[test]
    fn a_pool_frame_is_handed_out_without_being_written_again() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = dirty_frames(&arena, 0xAB);
        f.zero_free_frames(1);
        let pooled = f.zeroed_list().next().unwrap();
        // A mark left behind the allocator's back shows whether alloc
        // zeroes the frame again: it must not (that is the saving).
        fill(&f, pooled, 0x11);
        assert_eq!(f.alloc(true), Some(pooled));
        // SAFETY: pooled is a frame of the arena; read only.
        assert_eq!(unsafe { *f.map().ptr::<u8>(pooled) }, 0x11);
        assert_eq!(f.zeroed_count(), 0);
        assert_eq!(f.free_count(), 5);
    }

    #[test]
    fn alloc_zero_never_hands_out_a_dirty_frame_unzeroed() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = dirty_frames(&arena, 0xCD);
        f.zero_free_frames(2);
        // Dirty the first frame taken and free it: it is on the dirty list
        // now, beside the pool.
        let pa = f.alloc(true).unwrap();
        fill(&f, pa, 0xEE);
        f.free(pa);
        let got: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(true)).collect();
        assert_eq!(got.len(), 6);
        for pa in got {
            assert!(is_zero(&f, pa), "frame {:#x} came back dirty", pa.0);
        }
    }

    #[test]
    fn alloc_without_zeroing_takes_dirty_frames_first() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = dirty_frames(&arena, 0xAB);
        f.zero_free_frames(2);
        let pool: Vec<PhysAddr> = f.zeroed_list().collect();
        let got: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(false)).collect();
        assert_eq!(got.len(), 6);
        assert_eq!(got[4..], pool[..], "the pool is used last");
        assert!(got[..4].iter().all(|pa| !pool.contains(pa)));
    }

    #[test]
    fn freed_frames_go_to_the_dirty_list() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        f.zero_free_frames(usize::MAX);
        let pa = mapped_frame(&mut f);
        f.decref(pa);
        assert_eq!((f.free_count(), f.zeroed_count()), (6, 5));
        assert!(!f.zeroed_list().any(|p| p == pa));
        assert_eq!(f.alloc(false), Some(pa), "dirty frames go first");
    }

    #[test]
    fn idle_zeroing_moves_one_dirty_frame_into_the_pool() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = dirty_frames(&arena, 0xAB);
        let first = f.free_list().next().unwrap();
        assert!(f.zero_one_free_frame(3), "two more to go");
        assert_eq!(f.zeroed_list().collect::<Vec<_>>(), [first]);
        assert!(is_zero(&f, first));
        assert_eq!((f.free_count(), f.zeroed_count()), (6, 1));
        assert!(f.zero_one_free_frame(3));
        assert!(!f.zero_one_free_frame(3), "the pool reached its target");
        assert_eq!(f.zeroed_count(), 3);
        assert!(!f.zero_one_free_frame(3), "nothing more at the target");
        assert_eq!(f.zeroed_count(), 3);
        // With a large target it stops when the dirty list is empty.
        while f.zero_one_free_frame(100) {}
        assert_eq!((f.free_count(), f.zeroed_count()), (6, 6));
        assert!(!f.zero_one_free_frame(100));
        assert!(f.free_list().all(|pa| is_zero(&f, pa)));
    }

    #[test]
    fn limbo_frames_are_neither_zeroed_nor_handed_out() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        let pa = mapped_frame(&mut f);
        fill(&f, pa, 0x77);
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        f.tlb.unmapped(0, CHILD_PGDIR);
        f.decref(pa);
        assert_eq!(f.limbo_count(), 1);
        while f.zero_one_free_frame(100) {}
        assert!(!f.free_list().any(|p| p == pa));
        assert!(!is_zero(&f, pa), "a frame in limbo was written");
        let got: Vec<PhysAddr> = core::iter::from_fn(|| f.alloc(true)).collect();
        assert_eq!(got.len(), 5);
        assert!(!got.contains(&pa));
        // Once CPU 1 reloads CR3 the idle step may take it, and zeroes it.
        f.tlb.cr3_loaded(1, CHILD_PGDIR);
        assert!(!f.zero_one_free_frame(100), "it was the last dirty frame");
        assert_eq!(f.zeroed_list().collect::<Vec<_>>(), [pa]);
        assert!(is_zero(&f, pa));
    }

    #[test]
    #[should_panic(expected = "already free")]
    fn freeing_a_frame_at_the_head_of_the_pool_panics() {
        let arena = Arena::new(8 * PGSIZE);
        let mut f = frames(&arena, 8);
        f.zero_free_frames(1);
        let pa = f.zeroed_list().next().unwrap();
        f.free(pa);
    }

    #[test]
    fn links_are_kernel_addresses_of_page_infos() {
        let arena = Arena::new(4 * PGSIZE);
        let f = frames(&arena, 4);
        // Frame 2 heads the list and links to frame 3's PageInfo.
        let info2 = f.info(2).pp_link;
        assert_eq!(info2, KERNBASE + PGSIZE + 3 * 8);
        assert_eq!(f.info(3).pp_link, 0);
    }

    #[test]
    fn boot_alloc_steps_over_modules() {
        let arena = Arena::new(16 * PGSIZE);
        let map = arena.map();
        let modules = [3 * PGSIZE..3 * PGSIZE + 10, 5 * PGSIZE..6 * PGSIZE];
        let mut b = BootAlloc::new(2 * PGSIZE + 1, 16 * PGSIZE, &modules);
        assert_eq!(b.alloc(&map, 1), PhysAddr(4 * PGSIZE));
        assert_eq!(b.alloc(&map, PGSIZE + 1), PhysAddr(6 * PGSIZE));
        assert_eq!(b.next_free(), 8 * PGSIZE);
    }

    #[test]
    #[should_panic(expected = "boot_alloc: out of memory")]
    fn boot_alloc_stops_at_limit() {
        let arena = Arena::new(4 * PGSIZE);
        let map = arena.map();
        let mut b = BootAlloc::new(0, 2 * PGSIZE, &[]);
        b.alloc(&map, 3 * PGSIZE);
    }
}
