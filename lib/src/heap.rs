//! The heap: `sbrk` moves the program break, `malloc`/`free` carve blocks
//! out of [heap start, break). Pages arrive lazily, on first touch, through
//! the page-fault handler in `lazy.rs` (zero page on a read, a private page
//! on a write); `malloc` itself only commits the pages its block headers
//! sit on, so that running out of memory makes `malloc` return null rather
//! than kill the program later.
//!
//! The allocator ([`Allocator`]) is pure logic over a [`Memory`], so
//! `cargo test -p jos` runs it on the host over an arena. It is first fit
//! over an implicit list: every block starts with a [`Header`] giving its
//! size and whether it is in use; free neighbours merge when `malloc`
//! walks past them or when `free` finds a free block right after; a free
//! block at the top of the heap goes back with `sbrk`.

/// Block sizes and addresses are multiples of this.
pub const ALIGN: usize = 16;
/// Bytes before each block's data: the header, padded to ALIGN.
pub const HDR: usize = ALIGN;

/// The start of every block, in memory.
#[repr(C)]
struct Header {
    /// Bytes of the whole block, header included; a multiple of ALIGN.
    size: usize,
    used: usize,
}

const _: () = assert!(core::mem::size_of::<Header>() <= HDR);

/// Where the allocator's memory comes from.
///
/// # Safety
/// The bytes between the heap's first break and the current one must be
/// memory the allocator alone may read and write (once committed, or
/// faulted in on touch): `malloc` and `free` write block headers there.
pub unsafe trait Memory {
    /// Moves the break by `incr` bytes; the old break, or `None` if refused.
    fn sbrk(&mut self, incr: isize) -> Option<usize>;
    /// Backs `[va, va + len)` with real memory now; false if out of memory.
    fn commit(&mut self, va: usize, len: usize) -> bool;
}

/// First-fit allocator over `[start, top)`, blocks laid end to end.
pub struct Allocator {
    start: usize,
    top: usize,
}

impl Default for Allocator {
    fn default() -> Self {
        Self::new()
    }
}

impl Allocator {
    pub const fn new() -> Allocator {
        Allocator { start: 0, top: 0 }
    }

    fn header(p: usize) -> *mut Header {
        p as *mut Header
    }

    /// The block at `p`: (size, used).
    fn block(p: usize) -> (usize, bool) {
        // SAFETY: callers pass only block starts in [start, top), whose
        // headers this allocator wrote (and committed).
        let h = unsafe { &*Self::header(p) };
        (h.size, h.used != 0)
    }

    fn set_block(p: usize, size: usize, used: bool) {
        // SAFETY: `p` is a block start in [start, top) or a new one whose
        // page was committed; nothing else lives in a header.
        unsafe {
            Self::header(p).write(Header {
                size,
                used: used as usize,
            })
        };
    }

    /// `n` bytes, ALIGN-aligned; `None` for 0 bytes, if the break may not
    /// move that far, or if memory for the block's header is out.
    pub fn malloc(&mut self, mem: &mut impl Memory, n: usize) -> Option<usize> {
        if n == 0 {
            return None;
        }
        let need = n.checked_add(ALIGN - 1)? / ALIGN * ALIGN;
        let need = need.checked_add(HDR)?;
        if self.start == 0 && !self.init(mem) {
            return None;
        }
        let mut p = self.start;
        let mut last_free = None;
        while p < self.top {
            let (mut size, used) = Self::block(p);
            if !used {
                size = self.merge_following(p, size);
                if size >= need {
                    self.split(mem, p, size, need);
                    return Some(p + HDR);
                }
                last_free = (p + size == self.top).then_some((p, size));
            }
            p += size;
        }
        self.grow(mem, last_free, need)
    }

    /// Takes the first break as the heap's start, aligned.
    fn init(&mut self, mem: &mut impl Memory) -> bool {
        let Some(brk) = mem.sbrk(0) else {
            return false;
        };
        let start = brk.next_multiple_of(ALIGN);
        if start != brk && mem.sbrk((start - brk) as isize).is_none() {
            return false;
        }
        (self.start, self.top) = (start, start);
        true
    }

    /// Merges the free blocks right after the free block at `p`.
    fn merge_following(&mut self, p: usize, mut size: usize) -> usize {
        while p + size < self.top {
            let (next, used) = Self::block(p + size);
            if used {
                break;
            }
            size += next;
        }
        Self::set_block(p, size, false);
        size
    }

    /// Uses `need` bytes of the free block at `p`, leaving the rest free
    /// when it is big enough to hold a block (and its header's page can
    /// be had).
    fn split(&mut self, mem: &mut impl Memory, p: usize, size: usize, need: usize) {
        let rest = size - need;
        if rest >= HDR + ALIGN && mem.commit(p + need, HDR) {
            Self::set_block(p + need, rest, false);
            Self::set_block(p, need, true);
        } else {
            Self::set_block(p, size, true);
        }
    }

    /// A new block at the top: extends the free block ending there, if
    /// any, else a fresh one.
    fn grow(
        &mut self,
        mem: &mut impl Memory,
        last_free: Option<(usize, usize)>,
        need: usize,
    ) -> Option<usize> {
        let (p, have) = last_free.unwrap_or((self.top, 0));
        let more = need - have;
        let old = mem.sbrk(isize::try_from(more).ok()?)?;
        if old != self.top {
            // Someone else moved the break: give it back, use nothing.
            mem.sbrk(-(more as isize));
            return None;
        }
        if have == 0 && !mem.commit(p, HDR) {
            mem.sbrk(-(more as isize));
            return None;
        }
        self.top += more;
        Self::set_block(p, need, true);
        Some(p + HDR)
    }

    /// Gives back the block whose data starts at `data` (from `malloc`).
    ///
    /// # Safety
    /// `data` must come from this allocator's `malloc` and not be freed yet.
    pub unsafe fn free(&mut self, mem: &mut impl Memory, data: usize) {
        let p = data - HDR;
        let (size, used) = Self::block(p);
        assert!(used, "free of a block that is not in use");
        let size = self.merge_following(p, size);
        let at_break = mem.sbrk(0) == Some(self.top);
        if p + size == self.top && at_break && mem.sbrk(-(size as isize)).is_some() {
            self.top = p;
        }
    }

    /// The heap's extent: (start, top).
    pub fn extent(&self) -> (usize, usize) {
        (self.start, self.top)
    }
}

#[cfg(target_os = "none")]
pub use self::machine::*;

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::fork::uvpt;
    use crate::lazy;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use inc::error::{E_INVAL, E_NO_MEM};
    use inc::fd::FDTABLE;
    use inc::memlayout::PGSIZE;
    use inc::mmu::{round_down, round_up, PTE_P, PTE_U, PTE_W};

    /// The heap may not grow past here: the file-descriptor table (lab 5)
    /// starts at FDTABLE.
    pub const HEAP_LIMIT: u32 = FDTABLE;

    extern "C" {
        /// First byte after the program's bss (lib/user.ld).
        static end: u8;
    }

    /// The program break; 0 until first used (then the page after `end`).
    static BRK: AtomicU32 = AtomicU32::new(0);

    /// Where the heap starts: the first page boundary after the bss.
    pub fn heap_start() -> u32 {
        round_up((&raw const end) as u32, PGSIZE)
    }

    /// The current break.
    pub fn brk() -> u32 {
        match BRK.load(Ordering::Relaxed) {
            0 => heap_start(),
            b => b,
        }
    }

    /// Moves the break by `incr` bytes and returns the old one. Growing
    /// maps nothing (pages come on first touch); shrinking unmaps every
    /// page wholly above the new break, so later accesses there fault.
    /// -E_NO_MEM past HEAP_LIMIT, -E_INVAL below the heap's start.
    pub fn sbrk(incr: i32) -> Result<u32, i32> {
        let old = brk();
        let new = old as i64 + incr as i64;
        if new > HEAP_LIMIT as i64 {
            return Err(-E_NO_MEM);
        }
        if new < heap_start() as i64 {
            return Err(-E_INVAL);
        }
        let new = new as u32;
        if new < old {
            crate::swap::discard(round_up(new, PGSIZE), round_up(old, PGSIZE));
        }
        let mut page = round_up(new, PGSIZE);
        while page < round_up(old, PGSIZE) {
            if uvpt(page).is_some() {
                // SAFETY: the page lies above the new break: no Rust
                // object may live there any more.
                unsafe { crate::sys_page_unmap(0, page)? };
            }
            page += PGSIZE;
        }
        BRK.store(new, Ordering::Relaxed);
        Ok(old)
    }

    /// The heap seen by the allocator.
    struct Brk;

    // SAFETY: [heap start, break) is the heap, which only the allocator
    // uses once malloc is in use (a foreign sbrk makes malloc fail); its
    // pages are faulted in by lazy.rs or committed here.
    unsafe impl Memory for Brk {
        fn sbrk(&mut self, incr: isize) -> Option<usize> {
            sbrk(i32::try_from(incr).ok()?).ok().map(|b| b as usize)
        }

        fn commit(&mut self, va: usize, len: usize) -> bool {
            let mut page = round_down(va as u32, PGSIZE);
            while (page as usize) < va + len {
                if !lazy::is_private(page) {
                    // SAFETY: the page is unmapped or the zero page: no
                    // Rust data is lost by replacing it with zeroes.
                    let rw = PTE_P | PTE_U | PTE_W;
                    let alloc = || unsafe { crate::sys_page_alloc(0, page, rw) };
                    if crate::swap::retry_with_eviction(page, alloc).is_err() {
                        return false;
                    }
                }
                page += PGSIZE;
            }
            true
        }
    }

    /// The allocator, behind a lock: both halves of an `sfork` share it.
    struct Locked {
        busy: AtomicBool,
        heap: core::cell::UnsafeCell<Allocator>,
    }

    // SAFETY: `heap` is only touched while `busy` is held (with_heap).
    unsafe impl Sync for Locked {}

    static HEAP: Locked = Locked {
        busy: AtomicBool::new(false),
        heap: core::cell::UnsafeCell::new(Allocator::new()),
    };

    fn with_heap<R>(op: impl FnOnce(&mut Allocator) -> R) -> R {
        while HEAP.busy.swap(true, Ordering::Acquire) {
            crate::sys_yield();
        }
        // SAFETY: `busy` gives us the only access to the allocator.
        let r = op(unsafe { &mut *HEAP.heap.get() });
        HEAP.busy.store(false, Ordering::Release);
        r
    }

    /// `n` bytes of heap, 16-aligned and not yet touched (reads give
    /// zeroes until written); null when memory or address space is out.
    pub fn malloc(n: usize) -> *mut u8 {
        with_heap(|h| h.malloc(&mut Brk, n)).map_or(core::ptr::null_mut(), |p| p as *mut u8)
    }

    /// Gives back a block from [`malloc`]; null is ignored.
    ///
    /// # Safety
    /// `p` must be null or come from `malloc`, and not be used afterwards.
    pub unsafe fn free(p: *mut u8) {
        if !p.is_null() {
            // SAFETY: the caller promises p came from malloc.
            with_heap(|h| unsafe { h.free(&mut Brk, p as usize) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A heap over a host arena: the break moves inside it; `commit`
    /// counts calls and can be told to fail.
    struct Arena {
        mem: Vec<u8>,
        brk: usize,
        commits: usize,
        commit_ok: bool,
    }

    impl Arena {
        fn new(bytes: usize) -> Arena {
            let mut a = Arena {
                mem: vec![0; bytes + ALIGN],
                brk: 0,
                commits: 0,
                commit_ok: true,
            };
            a.brk = a.mem.as_ptr() as usize + 1; // unaligned on purpose
            a
        }
        fn limit(&self) -> usize {
            self.mem.as_ptr() as usize + self.mem.len()
        }
    }

    // SAFETY: the break moves only inside the arena's own vector.
    unsafe impl Memory for Arena {
        fn sbrk(&mut self, incr: isize) -> Option<usize> {
            let new = self.brk.checked_add_signed(incr)?;
            if new > self.limit() {
                return None;
            }
            Some(core::mem::replace(&mut self.brk, new))
        }
        fn commit(&mut self, _va: usize, _len: usize) -> bool {
            self.commits += 1;
            self.commit_ok
        }
    }

    #[test]
    fn blocks_are_aligned_apart_and_reused() {
        let mut mem = Arena::new(4096);
        let mut h = Allocator::new();
        let a = h.malloc(&mut mem, 10).unwrap();
        let b = h.malloc(&mut mem, 100).unwrap();
        assert_eq!(a % ALIGN, 0);
        assert_eq!(b - a, 16 + HDR);
        // SAFETY: a and b are ours and unused.
        unsafe {
            core::ptr::write_bytes(a as *mut u8, 0xAA, 10);
            core::ptr::write_bytes(b as *mut u8, 0xBB, 100);
            h.free(&mut mem, a);
        }
        // First fit: a's block is reused for something that fits.
        assert_eq!(h.malloc(&mut mem, 16), Some(a));
        assert_eq!(h.malloc(&mut mem, 0), None);
    }

    #[test]
    fn freeing_the_top_gives_memory_back() {
        let mut mem = Arena::new(4096);
        let mut h = Allocator::new();
        let a = h.malloc(&mut mem, 64).unwrap();
        let brk_after_a = mem.brk;
        let b = h.malloc(&mut mem, 1000).unwrap();
        assert!(mem.brk > brk_after_a);
        // SAFETY: b is ours.
        unsafe { h.free(&mut mem, b) };
        assert_eq!(mem.brk, brk_after_a);
        // SAFETY: a is ours.
        unsafe { h.free(&mut mem, a) };
        assert_eq!(h.extent().0, h.extent().1);
    }

    #[test]
    fn free_neighbours_merge_and_split_again() {
        let mut mem = Arena::new(8192);
        let mut h = Allocator::new();
        let blocks: Vec<usize> = (0..4).map(|_| h.malloc(&mut mem, 100).unwrap()).collect();
        // SAFETY: the blocks are ours.
        unsafe {
            h.free(&mut mem, blocks[1]);
            h.free(&mut mem, blocks[2]);
        }
        // Two 112+16 byte blocks merged: 240 bytes of data fit in their place.
        let big = h.malloc(&mut mem, 200).unwrap();
        assert_eq!(big, blocks[1]);
        let top = h.extent().1;
        let small = h.malloc(&mut mem, 16).unwrap();
        assert!(small < top, "the split-off rest is reused");
    }

    #[test]
    fn out_of_break_or_memory_gives_none() {
        let mut mem = Arena::new(1024);
        let mut h = Allocator::new();
        assert_eq!(h.malloc(&mut mem, 2048), None);
        assert_eq!(h.malloc(&mut mem, usize::MAX), None);
        let brk = mem.brk;
        mem.commit_ok = false;
        assert_eq!(h.malloc(&mut mem, 64), None);
        assert_eq!(mem.brk, brk, "a failed malloc moves the break back");
        mem.commit_ok = true;
        assert!(h.malloc(&mut mem, 64).is_some());
        assert!(mem.commits >= 2);
    }

    #[test]
    fn a_foreign_sbrk_is_not_overwritten() {
        let mut mem = Arena::new(4096);
        let mut h = Allocator::new();
        h.malloc(&mut mem, 16).unwrap();
        mem.sbrk(64); // someone else's bytes
        let brk = mem.brk;
        assert_eq!(h.malloc(&mut mem, 16), None);
        assert_eq!(mem.brk, brk);
    }
}
