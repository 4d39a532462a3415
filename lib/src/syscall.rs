//! System-call stubs.
//!
//! Two ways into the kernel (docs/abi.md): `int $0x30` with eax = number and the
//! arguments in edx, ecx, ebx, edi, esi; and the fast `sysenter` path for
//! calls with at most four arguments, where esi carries the return address
//! and ebp the user stack pointer. The fast path is used when the CPU has
//! SEP (checked once), unless [`set_sysenter`] turned it off.
//!
//! Results follow JOS: a negative value is `-E_*`. Wrappers turn that into
//! `Err(code)` with the code still negative, so `%e` prints it.

use core::arch::asm;
use core::sync::atomic::{AtomicU8, Ordering};
use inc::env::EnvId;
use inc::syscall::Syscall;
use inc::trap::Trapframe;

const METHOD_UNKNOWN: u8 = 0;
const METHOD_INT30: u8 = 1;
const METHOD_SYSENTER: u8 = 2;

/// Which entry the 4-argument calls use; decided on first use.
static METHOD: AtomicU8 = AtomicU8::new(METHOD_UNKNOWN);

/// Forces `int $0x30` (`false`) or, if the CPU has it, `sysenter` (`true`)
/// for later calls; the benchmark compares the two.
pub fn set_sysenter(enabled: bool) {
    let method = if enabled && crate::x86::has_sysenter() {
        METHOD_SYSENTER
    } else {
        METHOD_INT30
    };
    METHOD.store(method, Ordering::Relaxed);
}

/// Whether the fast path is in use.
pub fn uses_sysenter() -> bool {
    if METHOD.load(Ordering::Relaxed) == METHOD_UNKNOWN {
        set_sysenter(true);
    }
    METHOD.load(Ordering::Relaxed) == METHOD_SYSENTER
}

/// `int $0x30` with up to four arguments, returning eax, edx, ecx and ebx
/// as the kernel left them (see [`sysenter_regs`]).
#[inline(always)]
fn int30_regs(num: u32, a1: u32, a2: u32, a3: u32, a4: u32) -> [u32; 4] {
    let (eax, edx, ecx, ebx): (u32, u32, u32, u32);
    // SAFETY: the kernel returns to the next instruction (or, after a
    // wait, resumes there through iret) with esp and esi as they were;
    // the four returned registers and edi are outputs or clobbered.
    unsafe {
        asm!(
            "int 0x30",
            inout("eax") num => eax,
            inout("edx") a1 => edx,
            inout("ecx") a2 => ecx,
            inout("ebx") a3 => ebx,
            inout("edi") a4 => _,
        );
    }
    [eax, edx, ecx, ebx]
}

/// Enters the kernel with `int $0x30`, up to five arguments.
///
/// esi is reserved by the compiler on i686, so the fourth and fifth
/// arguments travel through memory and the stub loads edi and esi itself.
#[inline(always)]
fn int30(num: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32) -> i32 {
    let a45 = [a4, a5];
    let ret: i32;
    // SAFETY: the kernel returns to the next instruction with every register
    // but eax preserved; esi is saved and restored around the trap. Memory
    // the kernel changes is covered by asm!'s default memory clobber.
    unsafe {
        asm!(
            "push esi",
            "mov esi, [edi + 4]",
            "mov edi, [edi]",
            "int 0x30",
            "pop esi",
            inout("eax") num => ret,
            inout("edx") a1 => _,
            inout("ecx") a2 => _,
            inout("ebx") a3 => _,
            inout("edi") a45.as_ptr() => _,
        );
    }
    ret
}

/// Enters the kernel with `sysenter`, up to four arguments.
#[inline(always)]
fn sysenter(num: u32, a1: u32, a2: u32, a3: u32, a4: u32) -> i32 {
    sysenter_regs(num, a1, a2, a3, a4)[0] as i32
}

/// `sysenter`, returning eax, edx, ecx and ebx as the kernel left them
/// (syscall 19 hands back its message there; other calls leave junk).
#[inline(always)]
fn sysenter_regs(num: u32, a1: u32, a2: u32, a3: u32, a4: u32) -> [u32; 4] {
    let (eax, edx, ecx, ebx): (u32, u32, u32, u32);
    // SAFETY: the kernel's sysexit (or, after a wait, iret) resumes at
    // label 2 with esp restored from ebp; the stub saves and restores its
    // own ebp and esi, and takes edx, ecx, ebx and edi as outputs or
    // clobbered.
    unsafe {
        asm!(
            "push ebp",
            "push esi",
            "mov ebp, esp",
            "lea esi, [2f]",
            "sysenter",
            "2:",
            "pop esi",
            "pop ebp",
            inout("eax") num => eax,
            inout("edx") a1 => edx,
            inout("ecx") a2 => ecx,
            inout("ebx") a3 => ebx,
            inout("edi") a4 => _,
        );
    }
    [eax, edx, ecx, ebx]
}

/// A call with at most four arguments, by the fastest available path.
fn syscall4(num: Syscall, a1: u32, a2: u32, a3: u32, a4: u32) -> i32 {
    if uses_sysenter() {
        sysenter(num as u32, a1, a2, a3, a4)
    } else {
        int30(num as u32, a1, a2, a3, a4, 0)
    }
}

/// `sys_getenvid` through `int $0x30` whatever the setting (benchmarks).
pub fn sys_getenvid_int30() -> EnvId {
    int30(Syscall::Getenvid as u32, 0, 0, 0, 0, 0)
}

/// `sys_getenvid` through `sysenter`; `None` if the CPU lacks it.
pub fn sys_getenvid_sysenter() -> Option<EnvId> {
    crate::x86::has_sysenter().then(|| sysenter(Syscall::Getenvid as u32, 0, 0, 0, 0))
}

/// System call `num` (any number, known or not) through `int $0x30`, for
/// programs that test the kernel with arguments the typed stubs never pass.
///
/// # Safety
/// The call may change our address space or registers in any way the
/// kernel allows; the caller answers for what `num` and the arguments do.
pub unsafe fn syscall_int30(num: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32) -> i32 {
    int30(num, a1, a2, a3, a4, a5)
}

/// Like [`syscall_int30`] through `sysenter` (at most four arguments);
/// `None` if the CPU lacks it.
///
/// # Safety
/// As for [`syscall_int30`].
pub unsafe fn syscall_sysenter(num: u32, a1: u32, a2: u32, a3: u32, a4: u32) -> Option<i32> {
    crate::x86::has_sysenter().then(|| sysenter(num, a1, a2, a3, a4))
}

fn status(r: i32) -> Result<(), i32> {
    if r < 0 {
        Err(r)
    } else {
        Ok(())
    }
}

/// Prints `len` bytes at `s` on the console. The kernel checks the range
/// and destroys the caller if any byte is not user-readable; heap and stack
/// pages not yet faulted in are touched first (`lazy::prefault`), since the
/// kernel's check refuses them rather than faulting them in.
pub fn sys_cputs(s: *const u8, len: usize) {
    crate::lazy::prefault(s as u32, len, false);
    syscall4(Syscall::Cputs, s as u32, len as u32, 0, 0);
}

/// A waiting console character, or 0.
pub fn sys_cgetc() -> i32 {
    syscall4(Syscall::Cgetc, 0, 0, 0, 0)
}

/// Waits in the kernel until a console character is typed and returns it
/// (RJOS's syscall 16); the env does not run while it waits.
/// A 0 means we were woken without a character (or the kernel's waiter
/// list was full): give others a turn and ask again.
pub fn sys_cgetc_wait() -> Result<u8, i32> {
    loop {
        match syscall4(Syscall::CgetcWait, 0, 0, 0, 0) {
            0 => sys_yield(),
            r if r < 0 => return Err(r),
            r => return Ok(r as u8),
        }
    }
}

/// The caller's envid.
pub fn sys_getenvid() -> EnvId {
    syscall4(Syscall::Getenvid, 0, 0, 0, 0)
}

/// Destroys `envid` (0 = the caller, which then does not return).
pub fn sys_env_destroy(envid: EnvId) -> Result<(), i32> {
    status(syscall4(Syscall::EnvDestroy, envid as u32, 0, 0, 0))
}

/// Gives up the CPU.
pub fn sys_yield() {
    syscall4(Syscall::Yield, 0, 0, 0, 0);
}

/// Maps a fresh zeroed page at `va` in `envid` with `perm`.
///
/// # Safety
/// If `envid` is the caller, whatever was mapped at `va` is replaced: no
/// live Rust reference may point into that page.
pub unsafe fn sys_page_alloc(envid: EnvId, va: u32, perm: u32) -> Result<(), i32> {
    status(syscall4(Syscall::PageAlloc, envid as u32, va, perm, 0))
}

/// Maps the page at `srcva` in `srcenv` at `dstva` in `dstenv` with `perm`.
/// Always `int $0x30`: five arguments do not fit the fast path.
///
/// # Safety
/// As for [`sys_page_alloc`], for `dstva` when `dstenv` is the caller.
pub unsafe fn sys_page_map(
    srcenv: EnvId,
    srcva: u32,
    dstenv: EnvId,
    dstva: u32,
    perm: u32,
) -> Result<(), i32> {
    let r = int30(
        Syscall::PageMap as u32,
        srcenv as u32,
        srcva,
        dstenv as u32,
        dstva,
        perm,
    );
    status(r)
}

/// Maps every page `pages` lists (`inc::syscall::batch_entry` words: the
/// address with the permissions in the low bits) from `srcenv` into
/// `dstenv` at the same address, all or nothing (RJOS's syscall 18). Each
/// page gets [`sys_page_map`]'s checks; `srcenv == dstenv` re-protects.
///
/// # Safety
/// As for [`sys_page_map`], for every page when `dstenv` is the caller.
pub unsafe fn sys_page_map_batch(srcenv: EnvId, dstenv: EnvId, pages: &[u32]) -> Result<(), i32> {
    // The kernel reads the list: a lazy or not-yet-grown page must be there.
    crate::lazy::prefault(pages.as_ptr() as u32, core::mem::size_of_val(pages), false);
    status(syscall4(
        Syscall::PageMapBatch,
        srcenv as u32,
        dstenv as u32,
        pages.as_ptr() as u32,
        pages.len() as u32,
    ))
}

/// Maps the kernel's shared zero frame read-only at `va` in `envid`
/// (RJOS's syscall 20); `perm` must have U|P and no W.
///
/// # Safety
/// As for [`sys_page_alloc`]: whatever was mapped at `va` is replaced.
pub unsafe fn sys_page_map_zero(envid: EnvId, va: u32, perm: u32) -> Result<(), i32> {
    status(syscall4(Syscall::PageMapZero, envid as u32, va, perm, 0))
}

/// Replaces the page at `va` in `envid` by a private copy of itself, with
/// `perm` (RJOS syscall 24).
///
/// # Safety
/// If `envid` is the caller, no live Rust reference may point into the
/// page: its frame changes (its contents stay the same).
pub unsafe fn sys_page_copy(envid: EnvId, va: u32, perm: u32) -> Result<(), i32> {
    status(syscall4(Syscall::PageCopy, envid as u32, va, perm, 0))
}

/// Unmaps the page at `va` in `envid`.
///
/// # Safety
/// If `envid` is the caller, no live Rust reference may point into the page.
pub unsafe fn sys_page_unmap(envid: EnvId, va: u32) -> Result<(), i32> {
    status(syscall4(Syscall::PageUnmap, envid as u32, va, 0, 0))
}

/// Creates a child with a copy of our registers and no memory: returns
/// the child's id in the parent and 0 in the child.
///
/// Always inlined and always `int $0x30`: the child resumes right after the
/// trap with the parent's registers but with a stack the parent has since
/// reused, so the child must not return through a stub's stack frame.
#[inline(always)]
pub fn sys_exofork() -> Result<EnvId, i32> {
    let ret: i32;
    // SAFETY: a plain system call without arguments; the kernel preserves
    // every register but eax in both parent and child.
    unsafe {
        asm!("int 0x30", inout("eax") Syscall::Exofork as u32 => ret);
    }
    if ret < 0 {
        Err(ret)
    } else {
        Ok(ret)
    }
}

/// Sets `envid`'s status to `ENV_RUNNABLE` or `ENV_NOT_RUNNABLE`.
pub fn sys_env_set_status(envid: EnvId, status_value: u32) -> Result<(), i32> {
    status(syscall4(
        Syscall::EnvSetStatus,
        envid as u32,
        status_value,
        0,
        0,
    ))
}

/// Replaces `envid`'s saved registers with `tf` (the kernel forces user
/// segments and interrupts on).
///
/// # Safety
/// If `envid` is the caller, execution continues wherever `tf` says.
pub unsafe fn sys_env_set_trapframe(envid: EnvId, tf: &Trapframe) -> Result<(), i32> {
    let tf = tf as *const Trapframe as u32;
    crate::lazy::prefault(tf, core::mem::size_of::<Trapframe>(), false);
    status(syscall4(Syscall::EnvSetTrapframe, envid as u32, tf, 0, 0))
}

/// Makes `upcall` the entry point the kernel runs on `envid`'s page faults.
///
/// # Safety
/// A page fault in `envid` will jump to `upcall`, which must be code that
/// follows the upcall convention (see `pgfault.rs`).
pub unsafe fn sys_env_set_pgfault_upcall(envid: EnvId, upcall: u32) -> Result<(), i32> {
    status(syscall4(
        Syscall::EnvSetPgfaultUpcall,
        envid as u32,
        upcall,
        0,
        0,
    ))
}

/// Tries once to send `value` (and the page at `srcva` with `perm`, unless
/// `srcva >= UTOP`) to `envid`; `Err(-E_IPC_NOT_RECV)` if it is not waiting.
pub fn sys_ipc_try_send(envid: EnvId, value: u32, srcva: u32, perm: u32) -> Result<(), i32> {
    status(syscall4(
        Syscall::IpcTrySend,
        envid as u32,
        value,
        srcva,
        perm,
    ))
}

/// Sends like [`sys_ipc_try_send`] but waits in the kernel until `envid`
/// receives (RJOS's syscall 15).
pub fn sys_ipc_send(envid: EnvId, value: u32, srcva: u32, perm: u32) -> Result<(), i32> {
    status(syscall4(Syscall::IpcSend, envid as u32, value, srcva, perm))
}

/// Sends like [`sys_ipc_send`], then waits like [`sys_ipc_recv`] into
/// `dstva`, in one kernel entry (RJOS's syscall 19). Returns the message
/// received as (value, sender, perm), which the kernel hands back in
/// registers as well as in our `Env`. The kernel takes the page and its
/// rights in one word, so `srcva` below UTOP must be page-aligned and
/// `perm` below PGSIZE (else `Err(-E_INVAL)` here).
///
/// # Safety
/// As for [`sys_ipc_recv`], for the page received at `dstva`.
pub unsafe fn sys_ipc_send_recv(
    envid: EnvId,
    value: u32,
    srcva: u32,
    perm: u32,
    dstva: u32,
) -> Result<(u32, EnvId, u32), i32> {
    use inc::memlayout::{PGSIZE, UTOP};
    let page = if srcva >= UTOP {
        UTOP
    } else if !srcva.is_multiple_of(PGSIZE) || perm >= PGSIZE {
        return Err(-inc::error::E_INVAL);
    } else {
        srcva | perm
    };
    let num = Syscall::IpcSendRecv as u32;
    // On success edx, ecx, ebx hold the message (value, sender, perm).
    let [ret, got, from, got_perm] = if uses_sysenter() {
        sysenter_regs(num, envid as u32, value, page, dstva)
    } else {
        int30_regs(num, envid as u32, value, page, dstva)
    };
    status(ret as i32).map(|()| (got, from as EnvId, got_perm))
}

/// Waits for a message; a page sent along is mapped at `dstva` unless
/// `dstva >= UTOP`. The message itself lands in our `Env`'s ipc fields.
///
/// # Safety
/// A received page replaces whatever was mapped at `dstva`: no live Rust
/// reference may point into that page.
pub unsafe fn sys_ipc_recv(dstva: u32) -> Result<(), i32> {
    status(syscall4(Syscall::IpcRecv, dstva, 0, 0, 0))
}

/// Limits child `envid` to `pages` mapped pages below UTOP (RJOS's
/// syscall 23; `inc::env::NO_QUOTA` lifts it). -E_BAD_ENV unless `envid`
/// is our child; -E_INVAL above our own quota.
pub fn sys_env_set_quota(envid: EnvId, pages: u32) -> Result<(), i32> {
    status(syscall4(Syscall::EnvSetQuota, envid as u32, pages, 0, 0))
}

/// Milliseconds since boot.
pub fn sys_time_msec() -> u32 {
    syscall4(Syscall::TimeMsec, 0, 0, 0, 0) as u32
}

/// Whether `envid` maps at `va` the same frame we map at `myva`
/// (RJOS's syscall 17): `Ok(true)`/`Ok(false)`, or `Err(-E_BAD_ENV)`,
/// `Err(-E_INVAL)` for an address that is not a page below UTOP.
pub fn sys_page_shared(envid: EnvId, va: u32, myva: u32) -> Result<bool, i32> {
    let r = syscall4(Syscall::PageShared, envid as u32, va, myva, 0);
    if r < 0 {
        Err(r)
    } else {
        Ok(r != 0)
    }
}

/// Reports and clears the hardware's accessed (PTE_A) and/or dirty (PTE_D)
/// bits, as `bits` says, of the `npages` pages from `va` in `envid` (the
/// caller or its child, not running on another CPU): bit i of `bitmap`
/// (`bitmap[i / 32] >> (i % 32)`) is page i. Returns how many pages had a
/// bit set. Always `int $0x30`: five arguments.
pub fn sys_page_access(
    envid: EnvId,
    va: u32,
    npages: u32,
    bitmap: &mut [u32],
    bits: u32,
) -> Result<u32, i32> {
    if bitmap.len() < npages.div_ceil(32) as usize {
        return Err(-inc::error::E_INVAL);
    }
    let r = int30(
        Syscall::PageAccess as u32,
        envid as u32,
        va,
        npages,
        bitmap.as_mut_ptr() as u32,
        bits,
    );
    if r < 0 {
        Err(r)
    } else {
        Ok(r as u32)
    }
}
