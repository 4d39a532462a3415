//! JOS's virtual memory map (see `docs/lab2.md` for the picture).

pub const PGSIZE: u32 = 4096;
pub const PGSHIFT: u32 = 12;
pub const PTSIZE: u32 = PGSIZE * 1024;
pub const PTSHIFT: u32 = 22;
pub const NPDENTRIES: usize = 1024;
pub const NPTENTRIES: usize = 1024;

/// All physical memory is mapped at this address.
pub const KERNBASE: u32 = 0xF000_0000;
/// The kernel is linked here and loaded at physical `EXTPHYSMEM`.
pub const KERNLINK: u32 = KERNBASE + EXTPHYSMEM;

/// Number of CPUs the kernel supports.
pub const NCPU: usize = 8;
/// Size of one per-CPU kernel stack.
pub const KSTKSIZE: u32 = 8 * PGSIZE;
/// Unmapped guard below each kernel stack.
pub const KSTKGAP: u32 = 8 * PGSIZE;
pub const KSTACKTOP: u32 = KERNBASE;

pub const MMIOLIM: u32 = KSTACKTOP - PTSIZE;
pub const MMIOBASE: u32 = MMIOLIM - PTSIZE;
pub const ULIM: u32 = MMIOBASE;

/// User read-only virtual page table (the page directory's self-map).
pub const UVPT: u32 = ULIM - PTSIZE;
/// The page directory as seen through UVPT.
pub const UVPD: u32 = UVPT + (UVPT >> 12) * 4;
/// Read-only copy of the `PageInfo` array.
pub const UPAGES: u32 = UVPT - PTSIZE;
/// Read-only copy of the `Env` array.
pub const UENVS: u32 = UPAGES - PTSIZE;

/// Read-only array of `EnvMem` (one per env slot), in UENVS's 4 MB just
/// past the `Env` array's pages: RJOS's own window (docs/abi.md).
pub const UENVMEM: u32 = UENVS
    + crate::mmu::round_up(
        (crate::env::NENV * core::mem::size_of::<crate::env::Env>()) as u32,
        PGSIZE,
    );

/// Top of user-accessible memory.
pub const UTOP: u32 = UENVS;
/// Top of the one-page user exception stack.
pub const UXSTACKTOP: u32 = UTOP;
/// Top of the normal user stack; the page between it and the exception stack is a guard.
pub const USTACKTOP: u32 = UTOP - 2 * PGSIZE;

pub const UTEXT: u32 = 2 * PTSIZE;
pub const UTEMP: u32 = PTSIZE;
pub const PFTEMP: u32 = UTEMP + PTSIZE - PGSIZE;
pub const USTABDATA: u32 = PTSIZE / 2;

/// Physical address where application processors start.
pub const MPENTRY_PADDR: u32 = 0x7000;
pub const IOPHYSMEM: u32 = 0x0A_0000;
pub const EXTPHYSMEM: u32 = 0x10_0000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_jos() {
        assert_eq!(KERNBASE, 0xF000_0000);
        assert_eq!(MMIOLIM, 0xEFC0_0000);
        assert_eq!(MMIOBASE, 0xEF80_0000);
        assert_eq!(UVPT, 0xEF40_0000);
        assert_eq!(UVPD, 0xEF7B_D000);
        assert_eq!(UPAGES, 0xEF00_0000);
        assert_eq!(UENVS, 0xEEC0_0000);
        assert_eq!(UENVMEM, 0xEEC1_F000);
        assert_eq!(USTACKTOP, 0xEEBF_E000);
        assert_eq!(PFTEMP, 0x007F_F000);
        assert_eq!(UTEXT, 0x0080_0000);
        assert_eq!(USTABDATA, 0x0020_0000);
    }
}
