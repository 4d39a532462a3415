//! Addresses that come from user space.
//!
//! A system call names memory by user virtual address. [`UserBuf`] holds
//! such a range and offers no way to read or write it; only
//! [`UserBuf::check`], which asks pmap's `user_mem_check` whether the env may
//! touch every byte, yields a [`CheckedBuf`] that can. A CheckedBuf is used
//! at once, while the env's page directory is the loaded one.
//!
//! The decoding of the `va` and `perm` arguments of the system calls lives
//! here too, so it can be tested on the host: a raw `u32` becomes a
//! [`UserVa`] only through [`page_arg`] or [`ipc_page_arg`], which return
//! -E_INVAL as docs/abi.md demands.

use crate::addr::UserVa;
use inc::error::E_INVAL;
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{PTE_A, PTE_D, PTE_P, PTE_SYSCALL, PTE_U};

/// `len` bytes of user memory at `va`, not yet checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserBuf {
    va: u32,
    len: u32,
}

impl UserBuf {
    pub const fn new(va: u32, len: u32) -> UserBuf {
        UserBuf { va, len }
    }
}

/// A `va` argument that names a page to map or unmap: page-aligned and
/// below UTOP, else -E_INVAL.
pub const fn page_arg(va: u32) -> Result<UserVa, i32> {
    match UserVa::page(va) {
        Some(page) => Ok(page),
        None => Err(-E_INVAL),
    }
}

/// The `srcva`/`dstva` argument of the ipc calls: at or above UTOP means
/// "no page" (`None`); below UTOP it must be page-aligned, else -E_INVAL.
pub const fn ipc_page_arg(va: u32) -> Result<Option<UserVa>, i32> {
    if va >= UTOP {
        return Ok(None);
    }
    match page_arg(va) {
        Ok(page) => Ok(Some(page)),
        Err(err) => Err(err),
    }
}

/// Whether `perm` is a permission a system call accepts: it has U and P and
/// nothing outside PTE_SYSCALL.
pub const fn perm_ok(perm: u32) -> bool {
    perm & (PTE_U | PTE_P) == PTE_U | PTE_P && perm & !PTE_SYSCALL == 0
}

/// The `va, npages` range of `sys_page_access`: `va` page-aligned, the
/// whole range below UTOP without wrapping, else -E_INVAL. Zero pages is a
/// valid, empty range.
pub const fn page_range_arg(va: u32, npages: u32) -> Result<(UserVa, u32), i32> {
    let Ok(start) = page_arg(va) else {
        return Err(-E_INVAL);
    };
    let Some(len) = npages.checked_mul(PGSIZE) else {
        return Err(-E_INVAL);
    };
    match va.checked_add(len) {
        Some(end) if end <= UTOP => Ok((start, npages)),
        _ => Err(-E_INVAL),
    }
}

/// The `bits` argument of `sys_page_access`: PTE_A, PTE_D or both.
pub const fn access_bits_arg(bits: u32) -> Result<u32, i32> {
    if bits != 0 && bits & !(PTE_A | PTE_D) == 0 {
        Ok(bits)
    } else {
        Err(-E_INVAL)
    }
}

/// Bytes of the bitmap `sys_page_access` writes for `npages` pages: one
/// bit a page, in whole u32 words.
pub const fn access_bitmap_len(npages: u32) -> u32 {
    npages.div_ceil(32) * 4
}

#[cfg(target_os = "none")]
pub use self::checked::CheckedBuf;

#[cfg(target_os = "none")]
mod checked {
    use super::UserBuf;
    use crate::addr::VirtAddr;
    use crate::pmap::{self, PgDir};
    use bytemuck::Pod;

    /// A user range the env may touch with the permissions it was checked for.
    pub struct CheckedBuf {
        va: u32,
        len: u32,
        writable: bool,
    }

    impl UserBuf {
        /// Checks the range against `pgdir` for `perm` (PTE_U, plus PTE_W for
        /// memory the kernel will write). `Err(first bad va)` otherwise.
        pub fn check(self, pgdir: PgDir, perm: u32) -> Result<CheckedBuf, VirtAddr> {
            pmap::user_mem_check(pgdir, VirtAddr(self.va), self.len, perm)?;
            debug_assert_eq!(crate::x86::rcr3(), pgdir.pa().as_u32(), "env not loaded");
            Ok(CheckedBuf {
                va: self.va,
                len: self.len,
                writable: perm & inc::mmu::PTE_W != 0,
            })
        }
    }

    impl CheckedBuf {
        pub fn as_slice(&self) -> &[u8] {
            if self.len == 0 {
                return &[];
            }
            // SAFETY: `check` found every byte mapped user-readable in the
            // loaded page directory, and the kernel lock keeps the mapping.
            unsafe { core::slice::from_raw_parts(self.va as usize as *const u8, self.len as usize) }
        }

        pub fn as_mut_slice(&mut self) -> &mut [u8] {
            assert!(self.writable, "user range checked read-only");
            if self.len == 0 {
                return &mut [];
            }
            // SAFETY: as for `as_slice`, and `check` also required PTE_W.
            unsafe {
                core::slice::from_raw_parts_mut(self.va as usize as *mut u8, self.len as usize)
            }
        }

        /// Reads a plain-old-data value (the range must be exactly its
        /// size). `Pod` rules out types with invalid bit patterns (bool,
        /// enums, references), which a user could otherwise forge.
        pub fn read<T: Pod>(&self) -> T {
            assert_eq!(self.len as usize, core::mem::size_of::<T>());
            bytemuck::pod_read_unaligned(self.as_slice())
        }

        /// Writes a plain-old-data value (the range must be exactly its size).
        pub fn write<T: Pod>(&mut self, v: T) {
            assert_eq!(self.len as usize, core::mem::size_of::<T>());
            self.as_mut_slice().copy_from_slice(bytemuck::bytes_of(&v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inc::memlayout::PGSIZE;
    use inc::mmu::{PTE_COW, PTE_PWT, PTE_W};

    #[test]
    fn page_arguments() {
        assert_eq!(page_arg(0).map(UserVa::as_u32), Ok(0));
        assert_eq!(
            page_arg(UTOP - PGSIZE).map(UserVa::as_u32),
            Ok(UTOP - PGSIZE)
        );
        assert_eq!(page_arg(UTOP), Err(-E_INVAL));
        assert_eq!(page_arg(0x1234), Err(-E_INVAL));
        assert_eq!(page_arg(0xF000_0000), Err(-E_INVAL));
        assert_eq!(page_arg(u32::MAX), Err(-E_INVAL));
    }

    #[test]
    fn ipc_page_arguments() {
        let page = |va| ipc_page_arg(va).map(|p| p.map(UserVa::as_u32));
        assert_eq!(page(0x80_0000), Ok(Some(0x80_0000)));
        assert_eq!(page(UTOP - PGSIZE), Ok(Some(UTOP - PGSIZE)));
        assert_eq!(page(0x80_0004), Err(-E_INVAL));
        assert_eq!(page(UTOP - 1), Err(-E_INVAL));
        // At or above UTOP, aligned or not, means "no page".
        assert_eq!(page(UTOP), Ok(None));
        assert_eq!(page(UTOP + 3), Ok(None));
        assert_eq!(page(u32::MAX), Ok(None));
    }

    #[test]
    fn page_range_arguments() {
        let range = |va, n| page_range_arg(va, n).map(|(p, n)| (p.as_u32(), n));
        assert_eq!(range(0x1000_0000, 32), Ok((0x1000_0000, 32)));
        assert_eq!(range(0x1000_0000, 0), Ok((0x1000_0000, 0)));
        assert_eq!(range(UTOP - PGSIZE, 1), Ok((UTOP - PGSIZE, 1)));
        assert_eq!(range(0, UTOP / PGSIZE), Ok((0, UTOP / PGSIZE)));
        assert_eq!(range(UTOP - PGSIZE, 2), Err(-E_INVAL), "past UTOP");
        assert_eq!(range(0x1000_0004, 1), Err(-E_INVAL), "unaligned");
        assert_eq!(range(UTOP, 0), Err(-E_INVAL), "starts at UTOP");
        assert_eq!(range(0x1000, 0xFFFF_FFFF), Err(-E_INVAL), "len overflows");
        assert_eq!(range(0x1000_0000, 0x000F_0000), Err(-E_INVAL), "wraps");
    }

    #[test]
    fn access_bits_and_bitmap() {
        assert_eq!(access_bits_arg(PTE_A), Ok(PTE_A));
        assert_eq!(access_bits_arg(PTE_A | PTE_D), Ok(PTE_A | PTE_D));
        assert_eq!(access_bits_arg(PTE_D), Ok(PTE_D));
        assert_eq!(access_bits_arg(0), Err(-E_INVAL));
        assert_eq!(access_bits_arg(PTE_A | PTE_P), Err(-E_INVAL));
        assert_eq!(access_bits_arg(u32::MAX), Err(-E_INVAL));
        assert_eq!(access_bitmap_len(0), 0);
        assert_eq!(access_bitmap_len(1), 4);
        assert_eq!(access_bitmap_len(32), 4);
        assert_eq!(access_bitmap_len(33), 8);
        assert_eq!(access_bitmap_len(UTOP / PGSIZE), UTOP / PGSIZE / 8);
    }

    #[test]
    fn permissions() {
        assert!(perm_ok(PTE_U | PTE_P));
        assert!(perm_ok(PTE_U | PTE_P | PTE_W | PTE_COW));
        assert!(!perm_ok(PTE_U));
        assert!(!perm_ok(PTE_P | PTE_W));
        assert!(!perm_ok(PTE_U | PTE_P | PTE_PWT));
        assert!(!perm_ok(0xFFFF_FFFF));
    }
}
