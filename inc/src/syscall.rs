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
    /// RJOS: `page_access(envid, va, npages, bitmap, bits)`. For each of the
    /// `npages` pages from `va` in `envid` (the caller or its child), reports
    /// whether the hardware set any of `bits` (PTE_A, PTE_D or both) and
    /// clears them: bit i of the u32 words at `bitmap` is page i. Returns
    /// how many pages were reported. Numbers 16-21 belong to other calls.
    PageAccess = 22,
}

impl Syscall {
    /// Decodes a number from `eax`; `None` for anything unknown.
    pub fn from_u32(n: u32) -> Option<Syscall> {
        use Syscall::*;
        const ALL: [Syscall; 16] = [
            Cputs,
            Cgetc,
            Getenvid,
            EnvDestroy,
            PageAlloc,
            PageMap,
            PageUnmap,
            Exofork,
            EnvSetStatus,
            EnvSetTrapframe,
            EnvSetPgfaultUpcall,
            Yield,
            IpcTrySend,
            IpcRecv,
            TimeMsec,
            IpcSend,
        ];
        match n {
            22 => Some(PageAccess),
            _ => ALL.get(n as usize).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for n in 0..16 {
            assert_eq!(Syscall::from_u32(n).unwrap() as u32, n);
        }
        assert_eq!(Syscall::from_u32(16), None);
        assert_eq!(Syscall::IpcSend as u32, 15);
        assert_eq!(Syscall::from_u32(u32::MAX), None);
        assert_eq!(Syscall::IpcRecv as u32, 13);
        assert_eq!(Syscall::from_u32(22), Some(Syscall::PageAccess));
        assert_eq!(Syscall::from_u32(23), None);
    }
}
