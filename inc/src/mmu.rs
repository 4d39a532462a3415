//! x86 paging bits and address arithmetic, as JOS names them.

use crate::memlayout::{PGSHIFT, PGSIZE, PTSHIFT};

pub const PTE_P: u32 = 0x001;
pub const PTE_W: u32 = 0x002;
pub const PTE_U: u32 = 0x004;
pub const PTE_PWT: u32 = 0x008;
pub const PTE_PCD: u32 = 0x010;
pub const PTE_A: u32 = 0x020;
pub const PTE_D: u32 = 0x040;
pub const PTE_PS: u32 = 0x080;
pub const PTE_G: u32 = 0x100;
/// Bits the hardware ignores, free for software.
pub const PTE_AVAIL: u32 = 0xE00;
/// The only permission bits a user may pass to a system call.
pub const PTE_SYSCALL: u32 = PTE_AVAIL | PTE_P | PTE_W | PTE_U;
/// Copy-on-write, a user-level convention in an AVAIL bit.
pub const PTE_COW: u32 = 0x800;
/// Shared across fork and spawn, a user-level convention in an AVAIL bit.
pub const PTE_SHARE: u32 = 0x400;

/// Page-fault error code bits.
pub const FEC_PR: u32 = 0x1;
pub const FEC_WR: u32 = 0x2;
pub const FEC_U: u32 = 0x4;

/// Control-register bits the kernel sets.
pub const CR0_PE: u32 = 0x0000_0001;
pub const CR0_MP: u32 = 0x0000_0002;
pub const CR0_EM: u32 = 0x0000_0004;
pub const CR0_TS: u32 = 0x0000_0008;
pub const CR0_NE: u32 = 0x0000_0020;
pub const CR0_WP: u32 = 0x0001_0000;
pub const CR0_AM: u32 = 0x0004_0000;
pub const CR0_PG: u32 = 0x8000_0000;
pub const CR4_PSE: u32 = 0x0000_0010;
pub const CR4_OSFXSR: u32 = 0x0000_0200;
pub const CR4_OSXMMEXCPT: u32 = 0x0000_0400;

/// EFLAGS bits.
pub const FL_TF: u32 = 0x0000_0100;
pub const FL_IF: u32 = 0x0000_0200;
pub const FL_IOPL_MASK: u32 = 0x0000_3000;
pub const FL_IOPL_3: u32 = 0x0000_3000;

/// Page-directory index of `va`.
pub const fn pdx(va: u32) -> usize {
    ((va >> PTSHIFT) & 0x3FF) as usize
}

/// Page-table index of `va`.
pub const fn ptx(va: u32) -> usize {
    ((va >> PGSHIFT) & 0x3FF) as usize
}

/// Page number of `va` (index into UVPT).
pub const fn pgnum(va: u32) -> usize {
    (va >> PGSHIFT) as usize
}

/// Offset of `va` inside its page.
pub const fn pgoff(va: u32) -> u32 {
    va & (PGSIZE - 1)
}

/// Builds a virtual address from directory index, table index and offset.
pub const fn pgaddr(d: usize, t: usize, o: u32) -> u32 {
    ((d as u32) << PTSHIFT) | ((t as u32) << PGSHIFT) | o
}

/// The physical address stored in a page-table or page-directory entry.
pub const fn pte_addr(pte: u32) -> u32 {
    pte & !0xFFF
}

pub const fn round_down(a: u32, n: u32) -> u32 {
    a - a % n
}

/// Rounds `a` up to a multiple of `n`; panics if the result does not fit in
/// a u32 (use [`checked_round_up`] for values that may come from outside).
pub const fn round_up(a: u32, n: u32) -> u32 {
    match checked_round_up(a, n) {
        Some(x) => x,
        None => panic!("round_up overflows u32"),
    }
}

/// `a` rounded up to a multiple of `n`, or `None` if that does not fit in
/// a u32 (for values that come from outside the kernel).
pub const fn checked_round_up(a: u32, n: u32) -> Option<u32> {
    match a.checked_add(n - 1) {
        Some(x) => Some(round_down(x, n)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "round_up overflows u32")]
    fn round_up_overflow_is_an_error() {
        round_up(0xFFFF_FFFF, 4096);
    }

    #[test]
    fn index_arithmetic() {
        let va = 0xEF7B_D123;
        assert_eq!(pdx(va), 0x3BD);
        assert_eq!(ptx(va), 0x3BD);
        assert_eq!(pgoff(va), 0x123);
        assert_eq!(pgaddr(pdx(va), ptx(va), pgoff(va)), va);
        assert_eq!(round_up(1, 4096), 4096);
        assert_eq!(round_up(0xFFFF_F000, 4096), 0xFFFF_F000);
        assert_eq!(checked_round_up(0xFFFF_F001, 4096), None);
        assert_eq!(checked_round_up(0xFFFF_FFFF, 4096), None);
        assert_eq!(checked_round_up(0x1001, 4096), Some(0x2000));
        assert_eq!(round_down(0x1FFF, 4096), 0x1000);
        assert_eq!(PTE_SYSCALL, 0xE07);
    }
}
