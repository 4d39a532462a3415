//! Typed addresses, so the compiler catches a physical/virtual mix-up.
//!
//! * [`PhysAddr`]: a physical address, as stored in page-table entries.
//! * [`VirtAddr`]: a kernel-side virtual address (a number, not a pointer).
//!
//! User addresses get their own checked type in the system-call layer.

use inc::memlayout::{KERNBASE, PGSIZE};

#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhysAddr(pub u32);

#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtAddr(pub u32);

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

    pub const fn is_page_aligned(self) -> bool {
        self.0.is_multiple_of(PGSIZE)
    }

    pub const fn as_ptr<T>(self) -> *mut T {
        self.0 as usize as *mut T
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
