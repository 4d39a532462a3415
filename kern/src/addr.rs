//! Typed addresses, so the compiler catches a physical/virtual/user mix-up.
//!
//! * [`PhysAddr`]: a physical address: what page-table entries and CR3
//!   hold, what the frame allocator hands out, what `boot_map_region` maps
//!   onto.
//! * [`VirtAddr`]: a virtual address that a page directory maps, in the
//!   kernel's half or the user's (a number, not a pointer). The page-table
//!   API (`pgdir_walk`, `page_insert`, `page_lookup`, `page_remove`,
//!   `tlb_invalidate`, `user_mem_check`, `boot_map_region`) takes these.
//! * [`UserVa`]: a page a user names in a system call: page-aligned and
//!   below UTOP. Its only constructor, [`UserVa::page`], checks both, so a
//!   UserVa has passed the `va` rule of docs/abi.md. It converts to a VirtAddr
//!   freely (`.into()`); a VirtAddr never becomes a UserVa.
//!
//! A user range that is not a whole page (cputs's string, a Trapframe) is a
//! `userptr::UserBuf` instead: it is checked against the page tables, not
//! against alignment.
//!
//! All three are `repr(transparent)` around a `u32`, so they cost nothing.

use inc::memlayout::{KERNBASE, PGSIZE, UTOP};
use inc::mmu::{pdx, ptx, round_down};

#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhysAddr(pub u32);

#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtAddr(pub u32);

/// A user page address: page-aligned and below UTOP (the field is private,
/// so only [`UserVa::page`] makes one).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserVa(u32);

impl PhysAddr {
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The kernel's direct-map address of this physical address (JOS's KADDR).
    /// `None` if it lies beyond what the 256 MB window above KERNBASE covers.
    pub const fn to_kva(self) -> Option<VirtAddr> {
        if self.0 >= 0u32.wrapping_sub(KERNBASE) {
            None
        } else {
            Some(VirtAddr(self.0 + KERNBASE))
        }
    }

    pub const fn page_number(self) -> usize {
        (self.0 / PGSIZE) as usize
    }

    pub const fn is_page_aligned(self) -> bool {
        self.0.is_multiple_of(PGSIZE)
    }

    /// `self + n`, or `None` past 4 GB.
    pub const fn checked_add(self, n: u32) -> Option<PhysAddr> {
        match self.0.checked_add(n) {
            Some(a) => Some(PhysAddr(a)),
            None => None,
        }
    }
}

impl VirtAddr {
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The physical address of a direct-mapped kernel address (JOS's PADDR).
    pub const fn kva_to_pa(self) -> Option<PhysAddr> {
        if self.0 < KERNBASE {
            None
        } else {
            Some(PhysAddr(self.0 - KERNBASE))
        }
    }

    #[cfg(test)]
    pub const fn is_page_aligned(self) -> bool {
        self.0.is_multiple_of(PGSIZE)
    }

    pub const fn as_ptr<T>(self) -> *mut T {
        self.0 as usize as *mut T
    }

    /// Index of this address's entry in a page directory (bits 31..22).
    pub const fn pdx(self) -> usize {
        pdx(self.0)
    }

    /// Index of this address's entry in a page table (bits 21..12).
    pub const fn ptx(self) -> usize {
        ptx(self.0)
    }

    /// Offset inside its 4 KB page (bits 11..0).
    #[cfg(test)]
    pub const fn page_offset(self) -> u32 {
        inc::mmu::pgoff(self.0)
    }

    /// The start of its 4 KB page.
    pub const fn page_down(self) -> VirtAddr {
        VirtAddr(round_down(self.0, PGSIZE))
    }

    /// `self + n`, or `None` if that wraps past 4 GB.
    pub const fn checked_add(self, n: u32) -> Option<VirtAddr> {
        match self.0.checked_add(n) {
            Some(a) => Some(VirtAddr(a)),
            None => None,
        }
    }
}

impl UserVa {
    /// `va` as a user page: `None` unless it is page-aligned and below UTOP
    /// (the rule docs/abi.md sets for every `va` a system call maps or unmaps).
    pub const fn page(va: u32) -> Option<UserVa> {
        if va < UTOP && va.is_multiple_of(PGSIZE) {
            Some(UserVa(va))
        } else {
            None
        }
    }

    #[cfg(test)]
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The same address as a mapped virtual address.
    pub const fn virt(self) -> VirtAddr {
        VirtAddr(self.0)
    }
}

impl From<UserVa> for VirtAddr {
    fn from(va: UserVa) -> VirtAddr {
        va.virt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inc::memlayout::{PTSIZE, ULIM};

    #[test]
    fn direct_map_round_trip() {
        let pa = PhysAddr(0x0010_0000);
        let va = pa.to_kva().unwrap();
        assert_eq!(va, VirtAddr(0xF010_0000));
        assert_eq!(va.kva_to_pa(), Some(pa));
        assert_eq!(PhysAddr(0x1000_0000).to_kva(), None);
        assert_eq!(VirtAddr(0xEF00_0000).kva_to_pa(), None);
        assert_eq!(PhysAddr(0x3000).page_number(), 3);
    }

    #[test]
    fn user_pages_must_be_aligned() {
        assert_eq!(UserVa::page(0).map(UserVa::as_u32), Some(0));
        assert_eq!(UserVa::page(0x80_0000).map(UserVa::as_u32), Some(0x80_0000));
        assert_eq!(UserVa::page(0x80_0001), None);
        assert_eq!(UserVa::page(0x80_0800), None);
        assert_eq!(UserVa::page(PGSIZE - 1), None);
    }

    #[test]
    fn user_pages_stop_at_utop() {
        let last = UserVa::page(UTOP - PGSIZE).expect("the page below UTOP");
        assert_eq!(VirtAddr::from(last), VirtAddr(UTOP - PGSIZE));
        assert_eq!(UserVa::page(UTOP), None);
        assert_eq!(UserVa::page(UTOP + PGSIZE), None);
        assert_eq!(UserVa::page(ULIM), None);
        assert_eq!(UserVa::page(KERNBASE), None);
        assert_eq!(UserVa::page(0xFFFF_F000), None);
    }

    #[test]
    fn adding_reports_wrap() {
        assert_eq!(
            VirtAddr(0xFFFF_E000).checked_add(PGSIZE),
            Some(VirtAddr(0xFFFF_F000))
        );
        assert_eq!(
            VirtAddr(0xFFFF_F000).checked_add(PGSIZE - 1),
            Some(VirtAddr(u32::MAX))
        );
        assert_eq!(VirtAddr(0xFFFF_F000).checked_add(PGSIZE), None);
        assert_eq!(VirtAddr(1).checked_add(u32::MAX), None);
        assert_eq!(PhysAddr(0xFFFF_F000).checked_add(PGSIZE), None);
        assert_eq!(PhysAddr(0x1000).checked_add(0x2000), Some(PhysAddr(0x3000)));
    }

    #[test]
    fn address_fields() {
        let va = VirtAddr(KERNBASE + PTSIZE + 5 * PGSIZE + 0x123);
        assert_eq!(va.pdx(), 0x3C1);
        assert_eq!(va.ptx(), 5);
        assert_eq!(va.page_offset(), 0x123);
        assert_eq!(va.page_down(), VirtAddr(KERNBASE + PTSIZE + 5 * PGSIZE));
        assert!(va.page_down().is_page_aligned());
        assert!(!va.is_page_aligned());
        assert_eq!(VirtAddr(u32::MAX).pdx(), 1023);
        assert_eq!(VirtAddr(u32::MAX).ptx(), 1023);
    }
}
