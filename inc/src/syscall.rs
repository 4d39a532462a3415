//! System-call numbers: the one list both the kernel and the user library use.

/// JOS's system calls, by number. Numbers from 15 up are RJOS's own.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    Cputs = 0,
    Cgetc = 1,
    Getenvid = 2,
    EnvDestroy = 3,
    PageAlloc = 4,
    PageMap = 5,
    PageUnmap = 6,
    Exofork = 7,
    EnvSetStatus = 8,
    EnvSetTrapframe = 9,
    EnvSetPgfaultUpcall = 10,
    Yield = 11,
    IpcTrySend = 12,
    IpcRecv = 13,
    TimeMsec = 14,
    /// RJOS: `ipc_send(envid, value, srcva, perm)`. The checks of
    /// `IpcTrySend`, but when the target is not receiving the caller blocks
    /// until the target calls `IpcRecv` (senders are served oldest first).
    /// Returns 0 once delivered, or -E_BAD_ENV if the target dies first.
    IpcSend = 15,
    /// RJOS: `cgetc_wait()`. Like `Cgetc`, but when no character has been
    /// typed the caller blocks (not runnable) until the keyboard or serial
    /// interrupt delivers one; returns it (1..=255).
    CgetcWait = 16,
    /// RJOS: `page_shared(envid, va, myva)`: 1 if env `envid` maps at `va`
    /// the same frame the caller maps at `myva`, else 0 (-E_BAD_ENV,
    /// -E_INVAL for an address that is not a page below UTOP). The file
    /// server asks it to check that a client really holds an Fd page.
    PageShared = 17,
    /// RJOS: `page_map_batch(srcenv, dstenv, list, count)`. Maps `count`
    /// (at most [`PAGE_MAP_BATCH_MAX`]) pages of `srcenv` into `dstenv`
    /// at the same addresses; `list` holds one [`batch_entry`] per page.
    /// Each page gets `PageMap`'s checks; if any fails, no mapping changes.
    /// `srcenv == dstenv` changes permissions in place (fork uses both).
    PageMapBatch = 18,
    /// RJOS: `ipc_send_recv(envid, value, page, dstva)`. `IpcSend` of
    /// `value` and, with `page = srcva | perm` (srcva page-aligned below
    /// UTOP; at or above UTOP for none), that page; then, once delivered,
    /// `IpcRecv(dstva)`. Send errors return at once and send nothing;
    /// otherwise the result is the receive's (0). A round trip of a client
    /// and a server both using it costs two kernel entries, and the kernel
    /// switches straight to the receiver a message wakes.
    IpcSendRecv = 19,
    /// RJOS: `page_map_zero(envid, va, perm)`. Maps the kernel's one shared,
    /// always-zero frame at `va`, read-only: `perm` follows page_alloc's
    /// rules and must not contain PTE_W. The frame is never freed; a write
    /// to it faults, and the library replaces it with a private page.
    PageMapZero = 20,
    /// RJOS: `page_access(envid, va, npages, bitmap, bits)`. For each of the
    /// `npages` pages from `va` in `envid` (the caller or its child), reports
    /// whether the hardware set any of `bits` (PTE_A, PTE_D or both) and
    /// clears them: bit i of the u32 words at `bitmap` is page i. Returns
    /// how many pages were reported.
    PageAccess = 22,
    /// RJOS: `env_set_quota(envid, pages)`. At most `pages` pages may be
    /// mapped below UTOP in `envid`, which must be a child of the caller
    /// (-E_BAD_ENV otherwise, the caller itself included); beyond that a
    /// mapping gets -E_NO_MEM. `NO_QUOTA` (0) lifts it. A caller under a
    /// quota Q can only give a child a quota of at most Q (-E_INVAL), and
    /// exofork hands the parent's quota to the child. The counts and
    /// quotas are readable at UENVMEM (`inc::env::EnvMem`).
    EnvSetQuota = 23,
    /// RJOS (issue 11): `page_copy(envid, va, perm)`. The page mapped at
    /// `va` in `envid` (the caller or its child) is replaced by a new,
    /// private page holding a copy of its contents, mapped with `perm`
    /// (page_alloc's rules). -E_INVAL if nothing is mapped at `va`. What a
    /// copy-on-write fault needs, in one call.
    PageCopy = 24,
}

/// Most pages one `PageMapBatch` call may name.
pub const PAGE_MAP_BATCH_MAX: u32 = 256;

/// A `PageMapBatch` list entry: page address `va` (page-aligned, below
/// UTOP) with the permissions `perm` in its low 12 bits (maybe with
/// [`BATCH_SRC_TOO`]).
pub const fn batch_entry(va: u32, perm: u32) -> u32 {
    va | perm
}

/// In a `PageMapBatch` entry's permissions (the bit of PTE_G, which a
/// mapping may not ask for): the source's own mapping of the page gets the
/// same permissions too, as `PageMap(src, va, src, va, perm)` would give
/// it. Fork's copy-on-write pages, both sides in one entry.
pub const BATCH_SRC_TOO: u32 = 0x100;

impl Syscall {
    /// Decodes a number from `eax`; `None` for anything unknown. One arm
    /// per number, so that the kernel's dispatch (this, then a `match` on
    /// the result) compiles to a single jump table on the number (issue 11:
    /// a table of the first twenty and tests for the rest cost four more
    /// instructions per call).
    pub fn from_u32(n: u32) -> Option<Syscall> {
        use Syscall::*;
        Some(match n {
            0 => Cputs,
            1 => Cgetc,
            2 => Getenvid,
            3 => EnvDestroy,
            4 => PageAlloc,
            5 => PageMap,
            6 => PageUnmap,
            7 => Exofork,
            8 => EnvSetStatus,
            9 => EnvSetTrapframe,
            10 => EnvSetPgfaultUpcall,
            11 => Yield,
            12 => IpcTrySend,
            13 => IpcRecv,
            14 => TimeMsec,
            15 => IpcSend,
            16 => CgetcWait,
            17 => PageShared,
            18 => PageMapBatch,
            19 => IpcSendRecv,
            20 => PageMapZero,
            22 => PageAccess,
            23 => EnvSetQuota,
            24 => PageCopy,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for n in (0..=24).filter(|&n| n != 21) {
            assert_eq!(Syscall::from_u32(n).unwrap() as u32, n);
        }
        assert_eq!(Syscall::CgetcWait as u32, 16);
        assert_eq!(Syscall::from_u32(18), Some(Syscall::PageMapBatch));
        assert_eq!(Syscall::from_u32(19), Some(Syscall::IpcSendRecv));
        assert_eq!(Syscall::from_u32(21), None);
        assert_eq!(batch_entry(0x80_3000, 0x807), 0x80_3807);
        assert_eq!(Syscall::IpcSend as u32, 15);
        assert_eq!(Syscall::from_u32(u32::MAX), None);
        assert_eq!(Syscall::IpcRecv as u32, 13);
        assert_eq!(Syscall::from_u32(20), Some(Syscall::PageMapZero));
        assert_eq!(Syscall::from_u32(24), Some(Syscall::PageCopy));
        assert_eq!(Syscall::from_u32(21), None);
        assert_eq!(Syscall::from_u32(17), Some(Syscall::PageShared));
        assert_eq!(Syscall::from_u32(22), Some(Syscall::PageAccess));
        assert_eq!(Syscall::from_u32(23), Some(Syscall::EnvSetQuota));
        assert_eq!(Syscall::from_u32(25), None);
        assert_eq!(Syscall::from_u32(21), None);
    }
}
