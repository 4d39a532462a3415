//! The library's own page-fault policy (issue 9): lazy heap pages, the
//! shared zero page, and stack growth. The kernel only offers mechanisms
//! (the upcall, `sys_page_alloc`, `sys_page_map_zero`); the rules are here.
//!
//! - **Heap** (`[heap start, break)`, see `heap.rs`): a read of an
//!   untouched page maps the kernel's shared zero frame read-only; a write
//!   maps a private zeroed page.
//! - **Zero page**, anywhere: a write to a read-only mapping of the zero
//!   frame replaces it with a private zeroed page.
//! - **Stack**: an access to an unmapped page in
//!   `[USTACKTOP - STACK_LIMIT, USTACKTOP)` at most [`STACK_SLACK`] bytes
//!   below the trap-time esp (what `push`/`pusha` touch) maps every page
//!   from there up to the stack's lowest page, so the stack stays one
//!   run of pages (fork and sfork rely on that). Further below esp, or in
//!   the [`OVERFLOW_ZONE`] under the limit, growth is refused with a
//!   message.
//!
//! Handlers chain (`pgfault.rs`): this policy first, then the program's
//! handler (`set_pgfault_handler`, e.g. fork's copy-on-write), and if
//! neither takes the fault, the library gives it back to the kernel, which
//! reports and destroys the env as JOS does.
//!
//! [`decide`] is pure and host-tested; the rest needs the machine.

use inc::memlayout::{PGSIZE, USTACKTOP};
use inc::mmu::{pte_addr, round_down, PTE_W};

/// How far the normal stack may grow: 1 MB below USTACKTOP.
pub const STACK_LIMIT: u32 = 1 << 20;
/// The lowest address the stack may reach.
pub const STACK_FLOOR: u32 = USTACKTOP - STACK_LIMIT;
/// How far below esp an access still counts as a stack access: `pusha`
/// writes 32 bytes below esp before esp moves.
pub const STACK_SLACK: u32 = 32;
/// Faults this close under STACK_FLOOR are reported as a stack overflow.
pub const OVERFLOW_ZONE: u32 = 64 << 10;

/// What a page fault looks like to the policy.
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    pub va: u32,
    pub write: bool,
    /// The PTE of the faulting page, if it is mapped.
    pub pte: Option<u32>,
    /// The trap-time stack pointer.
    pub esp: u32,
    /// The heap, `[start, break)`.
    pub heap: (u32, u32),
    /// The zero frame's physical address, once known.
    pub zero_frame: Option<u32>,
}

/// Why the policy refuses a fault it recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// In the stack area but more than STACK_SLACK bytes below esp.
    BelowEsp,
    /// Just under STACK_FLOOR: the stack would outgrow its limit.
    Overflow,
}

/// What to do about a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Map the zero frame read-only at this page.
    MapZero(u32),
    /// Map a private zeroed page here (replacing a zero-page mapping).
    Private(u32),
    /// Map every missing page from here up to the stack's lowest page.
    GrowStack(u32),
    Refuse(Refusal),
    /// Not ours: the next handler in the chain decides.
    NotMine,
}

/// The policy, as a pure function of the fault.
pub fn decide(f: &Fault) -> Action {
    let page = round_down(f.va, PGSIZE);
    let on_zero = f
        .pte
        .is_some_and(|p| p & PTE_W == 0 && Some(pte_addr(p)) == f.zero_frame);
    if f.write && on_zero {
        return Action::Private(page);
    }
    if f.pte.is_some() {
        return Action::NotMine;
    }
    let near_esp = f.va as u64 + STACK_SLACK as u64 >= f.esp as u64;
    if (f.heap.0..f.heap.1).contains(&f.va) {
        if f.write {
            Action::Private(page)
        } else {
            Action::MapZero(page)
        }
    } else if (STACK_FLOOR..USTACKTOP).contains(&f.va) {
        if near_esp {
            Action::GrowStack(page)
        } else {
            Action::Refuse(Refusal::BelowEsp)
        }
    } else if (STACK_FLOOR - OVERFLOW_ZONE..STACK_FLOOR).contains(&f.va) && near_esp {
        Action::Refuse(Refusal::Overflow)
    } else {
        Action::NotMine
    }
}

#[cfg(target_os = "none")]
pub use self::machine::*;

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::fork::uvpt;
    use crate::{heap, sys_getenvid, UTrapframe};
    use core::sync::atomic::{AtomicU32, Ordering};
    use inc::memlayout::UTOP;
    use inc::mmu::{FEC_WR, PTE_P, PTE_U};

    /// The zero frame's physical address; 0 until we first map it.
    static ZERO_FRAME: AtomicU32 = AtomicU32::new(0);

    /// The zero frame's physical address, once this env has mapped it.
    pub fn zero_frame() -> Option<u32> {
        Some(ZERO_FRAME.load(Ordering::Relaxed)).filter(|&pa| pa != 0)
    }

    /// Whether `page` is mapped with a frame of its own (not the zero page).
    pub fn is_private(page: u32) -> bool {
        uvpt(page).is_some_and(|pte| Some(pte_addr(pte)) != zero_frame() || pte & PTE_W != 0)
    }

    /// Maps the zero frame read-only at `page` and learns its address.
    fn map_zero(page: u32) -> Result<(), i32> {
        // SAFETY: the page was unmapped: nothing of ours lives there.
        let map = || unsafe { crate::sys_page_map_zero(0, page, PTE_P | PTE_U) };
        crate::swap::retry_with_eviction(page, map)?;
        if let Some(pte) = uvpt(page) {
            ZERO_FRAME.store(pte_addr(pte), Ordering::Relaxed);
        }
        Ok(())
    }

    /// Maps a private zeroed page at `page`, evicting another page to make
    /// room if memory is full (swap.rs).
    fn map_private(page: u32) -> Result<(), i32> {
        // SAFETY: the page was unmapped or the zero page; its contents
        // (zeroes) stay the same.
        let alloc = || unsafe { crate::sys_page_alloc(0, page, PTE_P | PTE_U | PTE_W) };
        crate::swap::retry_with_eviction(page, alloc)
    }

    /// The lowest page of the normal stack (the run of mapped pages that
    /// ends at USTACKTOP).
    fn stack_bottom() -> u32 {
        let mut bottom = USTACKTOP;
        while bottom > STACK_FLOOR && uvpt(bottom - PGSIZE).is_some() {
            bottom -= PGSIZE;
        }
        bottom
    }

    fn grow_stack(page: u32) -> Result<(), i32> {
        let mut p = page;
        while p < stack_bottom() {
            if uvpt(p).is_none() {
                map_private(p)?;
            }
            p += PGSIZE;
        }
        Ok(())
    }

    /// Handles `utf` if the policy covers it; `false` passes it on.
    pub fn handle(utf: &UTrapframe) -> bool {
        // Above UTOP nothing is ours, and uvpt could not even be read there
        // (the kernel's 4 MB pages have no U bit).
        if utf.utf_fault_va >= UTOP {
            return false;
        }
        let page = round_down(utf.utf_fault_va, PGSIZE);
        if crate::swap::paged_out(page) {
            if let Err(e) = crate::swap::page_in(page) {
                no_page(utf.utf_fault_va, "swap: cannot page in", e);
            }
            return true;
        }
        let fault = Fault {
            va: utf.utf_fault_va,
            write: utf.utf_err & FEC_WR != 0,
            pte: uvpt(page),
            esp: utf.utf_esp,
            heap: (heap::heap_start(), heap::brk()),
            zero_frame: zero_frame(),
        };
        let done = match decide(&fault) {
            Action::MapZero(p) => map_zero(p),
            Action::Private(p) => map_private(p),
            Action::GrowStack(p) => grow_stack(p),
            Action::Refuse(why) => {
                report(&fault, why);
                return false;
            }
            Action::NotMine => return false,
        };
        if let Err(e) = done {
            no_page(fault.va, "lazy: no page for", e);
        }
        true
    }

    /// A clean end, not a kernel trap dump: the program simply ran out of
    /// memory (or of swap).
    fn no_page(va: u32, what: &str, e: i32) -> ! {
        crate::cprintf!("[%08x] %s va %08x: %e\n", sys_getenvid(), what, va, e);
        crate::exit();
    }

    fn report(f: &Fault, why: Refusal) {
        let me = sys_getenvid();
        match why {
            Refusal::BelowEsp => crate::cprintf!(
                "[%08x] stack: va %08x is %u bytes below esp %08x, not a stack access\n",
                me,
                f.va,
                f.esp.wrapping_sub(f.va),
                f.esp
            ),
            Refusal::Overflow => crate::cprintf!(
                "[%08x] stack overflow at va %08x: the stack may grow to %u KB\n",
                me,
                f.va,
                STACK_LIMIT >> 10
            ),
        };
    }

    /// Touches the pages of `[va, va + len)` that this policy would map on
    /// a fault (heap pages, stack pages above esp), so that a system call
    /// reading that buffer finds them mapped: the kernel's `user_mem_check`
    /// never faults pages in, it refuses them. With `write`, each page is
    /// made private. Other pages are left for the kernel to judge.
    pub fn prefault(va: u32, len: usize, write: bool) {
        let end = (va as u64 + len as u64).min(UTOP as u64);
        let esp: u32;
        // SAFETY: reads the stack pointer; no memory, no flags.
        unsafe { core::arch::asm!("mov {0}, esp", out(reg) esp, options(nomem, nostack)) };
        let regions = [
            (heap::heap_start(), heap::brk()),
            (esp.max(STACK_FLOOR), USTACKTOP),
        ];
        for (lo, hi) in regions {
            let from = round_down(va.max(lo), PGSIZE);
            let to = end.min(hi as u64);
            let mut page = from as u64;
            while page < to {
                touch(page as u32, write);
                page += PGSIZE as u64;
            }
        }
        if !write {
            crate::demand::prefault(va, end);
        }
    }

    fn touch(page: u32, write: bool) {
        if is_private(page) || (!write && uvpt(page).is_some()) {
            return;
        }
        let p = page as *mut u8;
        // SAFETY: a heap or stack page of ours: reading it faults it in,
        // and writing back the byte just read changes nothing.
        unsafe {
            let b = core::ptr::read_volatile(p);
            if write {
                core::ptr::write_volatile(p, b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inc::mmu::{PTE_P, PTE_U};

    const ZERO: u32 = 0x0012_3000;
    const HEAP: (u32, u32) = (0x0080_4000, 0x1080_4000);

    fn fault(va: u32, write: bool, pte: Option<u32>, esp: u32) -> Fault {
        Fault {
            va,
            write,
            pte,
            esp,
            heap: HEAP,
            zero_frame: Some(ZERO),
        }
    }

    #[test]
    fn heap_reads_share_the_zero_page_and_writes_get_their_own() {
        let esp = USTACKTOP - 100;
        assert_eq!(
            decide(&fault(0x0090_0123, false, None, esp)),
            Action::MapZero(0x0090_0000)
        );
        assert_eq!(
            decide(&fault(0x0090_0123, true, None, esp)),
            Action::Private(0x0090_0000)
        );
        let zero_pte = Some(ZERO | PTE_P | PTE_U);
        assert_eq!(
            decide(&fault(0x0090_0123, true, zero_pte, esp)),
            Action::Private(0x0090_0000)
        );
        // Outside the heap too: the zero frame is never written.
        assert_eq!(
            decide(&fault(0x3000_0000, true, zero_pte, esp)),
            Action::Private(0x3000_0000)
        );
        // A read fault on a mapped page, or another read-only frame: not ours.
        assert_eq!(
            decide(&fault(0x0090_0000, false, zero_pte, esp)),
            Action::NotMine
        );
        let other = Some(0x0045_6000 | PTE_P | PTE_U | 0x800);
        assert_eq!(
            decide(&fault(0x0090_0000, true, other, esp)),
            Action::NotMine
        );
        // Past the break and below the heap.
        assert_eq!(decide(&fault(HEAP.1, false, None, esp)), Action::NotMine);
        assert_eq!(decide(&fault(0, true, None, esp)), Action::NotMine);
    }

    #[test]
    fn an_unknown_zero_frame_is_never_matched() {
        let mut f = fault(0x0090_0000, true, Some(PTE_P | PTE_U), USTACKTOP);
        f.zero_frame = None;
        assert_eq!(decide(&f), Action::NotMine);
    }

    #[test]
    fn the_stack_grows_near_esp_only() {
        let esp = USTACKTOP - 3 * PGSIZE + 8;
        // push, pusha, a big frame's probe at esp, a local above esp.
        assert_eq!(
            decide(&fault(esp - 4, true, None, esp)),
            Action::GrowStack(USTACKTOP - 3 * PGSIZE)
        );
        assert_eq!(
            decide(&fault(esp - 32, true, None, esp)),
            Action::GrowStack(USTACKTOP - 4 * PGSIZE)
        );
        assert_eq!(
            decide(&fault(esp + 100, false, None, esp)),
            Action::GrowStack(USTACKTOP - 3 * PGSIZE)
        );
        assert_eq!(
            decide(&fault(esp - 33, true, None, esp)),
            Action::Refuse(Refusal::BelowEsp)
        );
        assert_eq!(
            decide(&fault(esp - 4096, false, None, esp)),
            Action::Refuse(Refusal::BelowEsp)
        );
        // Down to the floor, not below it.
        assert_eq!(
            decide(&fault(STACK_FLOOR, true, None, STACK_FLOOR)),
            Action::GrowStack(STACK_FLOOR)
        );
        let under = STACK_FLOOR - 4;
        assert_eq!(
            decide(&fault(under, true, None, STACK_FLOOR)),
            Action::Refuse(Refusal::Overflow)
        );
        // Far under the floor, or far from esp there: someone else's.
        assert_eq!(
            decide(&fault(STACK_FLOOR - OVERFLOW_ZONE - 4, true, None, 0)),
            Action::NotMine
        );
        assert_eq!(
            decide(&fault(under, true, None, USTACKTOP)),
            Action::NotMine
        );
        // The guard page above USTACKTOP is never stack.
        assert_eq!(
            decide(&fault(USTACKTOP, true, None, USTACKTOP)),
            Action::NotMine
        );
        // A tiny esp does not wrap the comparison.
        assert_eq!(
            decide(&fault(USTACKTOP - 8, true, None, 4)),
            Action::GrowStack(USTACKTOP - PGSIZE)
        );
    }
}
