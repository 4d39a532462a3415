//! System calls (JOS's syscall.c, plus the blocking `ipc_send`).
//!
//! Every call runs for the current env with the big kernel lock held, and
//! returns a value or a negated JOS error code. Nothing a user passes can
//! make the kernel panic: envids go through `envid2env`, addresses through
//! the checks in `userptr`, and every error path gives back what it took.
//!
//! A page address becomes a [`UserVa`] through `userptr::page_arg` (or
//! `ipc_page_arg`), which is the -E_INVAL check docs/abi.md asks for. Each call
//! decodes it where JOS checks it, after the envid, so that the error a bad
//! call gets stays the same.

use crate::addr::{PhysAddr, UserVa};
use crate::bkl::Bkl;
use crate::cpu::thiscpu;
use crate::env::{self, envid2env, pgdir_of, space_of, KERNEL_STATE};
use crate::gdt::{GD_UD, GD_UT, RPL_USER};
use crate::ipc;
use crate::pgaccess;
use crate::pmap;
use crate::sched::sched_yield;
use crate::userptr::{page_arg, perm_ok, UserBuf};
use inc::env::*;
use inc::error::*;
use inc::mmu::{FL_IF, FL_IOPL_MASK, PTE_U, PTE_W};
use inc::syscall::Syscall;
use inc::trap::{PushRegs, Trapframe};

pub type SysResult = Result<i32, i32>;

/// Dispatches the system call in `r` (eax = number; edx, ecx, ebx, edi,
/// esi = arguments 1 to 5) from env `caller` (this CPU's env). Inlined into
/// the two trap paths (issue 11: the call and its spilled arguments were
/// about 20 instructions of every system call); `r` is the frame on the
/// kernel stack, which nothing reached through the guard can change, so each
/// arm loads only the registers it uses.
#[inline(always)]
pub fn syscall(bkl: &mut Bkl, caller: usize, r: &PushRegs) -> i32 {
    let (num, a1, a2, a3, a4, a5) = (r.eax, || r.edx, || r.ecx, || r.ebx, || r.edi, || r.esi);
    let Some(call) = Syscall::from_u32(num) else {
        return -E_INVAL;
    };
    let result = match call {
        Syscall::Cputs => sys_cputs(bkl, a1(), a2()),
        Syscall::Cgetc => Ok(crate::console::getc().map_or(0, i32::from)),
        Syscall::Getenvid => Ok(bkl.env(caller).env_id),
        Syscall::EnvDestroy => sys_env_destroy(bkl, a1() as EnvId),
        Syscall::PageAlloc => sys_page_alloc(bkl, a1() as EnvId, a2(), a3()),
        Syscall::PageMap => sys_page_map(bkl, a1() as EnvId, a2(), a3() as EnvId, a4(), a5()),
        Syscall::PageUnmap => sys_page_unmap(bkl, a1() as EnvId, a2()),
        Syscall::Exofork => sys_exofork(bkl),
        Syscall::EnvSetStatus => sys_env_set_status(bkl, a1() as EnvId, a2()),
        Syscall::EnvSetTrapframe => sys_env_set_trapframe(bkl, a1() as EnvId, a2()),
        Syscall::EnvSetPgfaultUpcall => sys_env_set_pgfault_upcall(bkl, a1() as EnvId, a2()),
        Syscall::Yield => sys_yield(bkl),
        Syscall::IpcTrySend => ipc::sys_ipc_try_send(bkl, a1() as EnvId, a2(), a3(), a4()),
        Syscall::IpcRecv => ipc::sys_ipc_recv(bkl, a1()),
        Syscall::TimeMsec => sys_time_msec(),
        Syscall::IpcSend => ipc::sys_ipc_send(bkl, a1() as EnvId, a2(), a3(), a4()),
        Syscall::CgetcWait => sys_cgetc_wait(bkl),
        Syscall::PageShared => sys_page_shared(bkl, a1() as EnvId, a2(), a3()),
        Syscall::IpcSendRecv => ipc::sys_ipc_send_recv(bkl, a1() as EnvId, a2(), a3(), a4()),
        Syscall::PageMapBatch => sys_page_map_batch(bkl, a1() as EnvId, a2() as EnvId, a3(), a4()),
        Syscall::PageMapZero => sys_page_map_zero(bkl, a1() as EnvId, a2(), a3()),
        Syscall::PageAccess => {
            pgaccess::sys_page_access(bkl, a1() as EnvId, a2(), a3(), a4(), a5())
        }
        Syscall::EnvSetQuota => sys_env_set_quota(bkl, a1() as EnvId, a2()),
        Syscall::PageCopy => sys_page_copy(bkl, a1() as EnvId, a2(), a3()),
    };
    result.unwrap_or_else(|err| err)
}

pub fn me(bkl: &Bkl) -> usize {
    bkl.curenv().expect("system call with no current env")
}

/// Prints `len` bytes at `s` (stopping at a NUL, like JOS's `%.*s`).
fn sys_cputs(bkl: &mut Bkl, s: u32, len: u32) -> SysResult {
    let e = me(bkl);
    let buf = env::user_mem_assert(bkl, e, UserBuf::new(s, len), PTE_U);
    let bytes = buf.as_slice();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    crate::console::write(&bytes[..end]);
    Ok(0)
}

/// A typed character; with none yet, the caller sleeps until the keyboard
/// or serial interrupt brings one (console.rs).
fn sys_cgetc_wait(bkl: &mut Bkl) -> SysResult {
    let caller = me(bkl);
    match crate::console::getc_or_sleep(bkl, caller) {
        Some(c) => Ok(i32::from(c)),
        None => bkl.diverge(sched_yield),
    }
}

fn sys_env_destroy(bkl: &mut Bkl, envid: EnvId) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let who = env::curenv_id(bkl);
    if Some(e) == bkl.curenv() {
        cprintf!("[%08x] exiting gracefully\n", who);
    } else {
        cprintf!("[%08x] destroying %08x\n", who, bkl.env(e).env_id);
    }
    env::env_destroy(bkl, e);
    Ok(0)
}

/// A new env with the caller's registers, NOT_RUNNABLE, returning 0 in it.
fn sys_exofork(bkl: &mut Bkl) -> SysResult {
    let parent = me(bkl);
    let parent_id = bkl.env(parent).env_id;
    let child = env::env_alloc(bkl, parent_id)?;
    let tf = bkl.env(parent).env_tf;
    let cpu = crate::cpu::thiscpu(bkl.irq()).id;
    crate::fpu::fork(bkl, cpu, parent, child);
    env::set_status(bkl, child, ENV_NOT_RUNNABLE);
    // A quota binds the env's descendants too (each to the same number).
    pmap::set_quota(child, pmap::env_mem(parent).em_quota);
    let c = bkl.env(child);
    c.env_tf = tf;
    c.env_tf.regs.eax = 0;
    // I/O privilege is the file server's alone; its children do not inherit it.
    c.env_tf.eflags &= !FL_IOPL_MASK;
    Ok(c.env_id)
}

fn sys_env_set_status(bkl: &mut Bkl, envid: EnvId, status: u32) -> SysResult {
    if status != ENV_RUNNABLE && status != ENV_NOT_RUNNABLE {
        return Err(-E_INVAL);
    }
    let e = envid2env(bkl, envid, true)?;
    let here = thiscpu(bkl.irq()).id;
    let target = bkl.env(e);
    match target.env_status {
        ENV_DYING => return Err(-E_BAD_ENV),
        // On another CPU: it stays RUNNING until that CPU leaves it, so that
        // no other CPU runs it too and a destroy waits for it (DYING). A stop
        // is only noted; that CPU carries it out (trap.rs).
        ENV_RUNNING if target.env_cpunum as usize != here => {
            KERNEL_STATE.get(bkl)[e].stop_requested = status == ENV_NOT_RUNNABLE;
            return Ok(0);
        }
        // The caller itself, which is running anyway.
        ENV_RUNNING if status == ENV_RUNNABLE => return Ok(0),
        _ => {}
    }
    // Whoever sets the status takes the env out of a blocked ipc_send or
    // ipc_recv. A receiver left marked as receiving would accept a later
    // send even while blocked in ipc_send itself, and that wake-up would
    // leave it in its target's queue of senders.
    if KERNEL_STATE.get(bkl)[e].pending_send.is_some() {
        ipc::cancel_send(bkl, e);
        bkl.env(e).env_tf.regs.eax = (-E_IPC_NOT_RECV) as u32;
    }
    bkl.env(e).env_ipc_recving = false;
    env::set_status(bkl, e, status);
    Ok(0)
}

/// EFLAGS bits a user may choose: the arithmetic flags, TF, DF, AC and ID.
/// Never IOPL, VM or NT (an `iret` with those would leave user mode's rules).
const FL_USER_CHOOSES: u32 = 0x0024_0DD5;

fn sys_env_set_trapframe(bkl: &mut Bkl, envid: EnvId, tfva: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let size = core::mem::size_of::<Trapframe>() as u32;
    let caller = me(bkl);
    let buf = env::user_mem_assert(bkl, caller, UserBuf::new(tfva, size), PTE_U);
    let mut tf: Trapframe = buf.read();
    let udata = GD_UD | RPL_USER;
    tf.cs = GD_UT | RPL_USER;
    (tf.ds, tf.es, tf.ss) = (udata, udata, udata);
    (tf.padding1, tf.padding2, tf.padding3, tf.padding4) = (0, 0, 0, 0);
    tf.eflags = (tf.eflags & FL_USER_CHOOSES) | FL_IF;
    bkl.env(e).env_tf = tf;
    // Every register of the new frame counts: the env goes back through
    // `iret` even if it entered with sysenter (trap.rs).
    KERNEL_STATE.get(bkl)[e].needs_iret = true;
    Ok(0)
}

/// Limits a child to `pages` mapped pages (issue 9; docs/vm.md, "Quotas").
fn sys_env_set_quota(bkl: &mut Bkl, envid: EnvId, pages: u32) -> SysResult {
    let child = envid2env(bkl, envid, true)?;
    let caller = me(bkl);
    // envid2env let the caller name itself: a quota is its parent's to set.
    if child == caller {
        return Err(-E_BAD_ENV);
    }
    let own = pmap::env_mem(caller).em_quota;
    if own != NO_QUOTA && (pages == NO_QUOTA || pages > own) {
        return Err(-E_INVAL);
    }
    pmap::set_quota(child, pages);
    Ok(0)
}

fn sys_env_set_pgfault_upcall(bkl: &mut Bkl, envid: EnvId, func: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    bkl.env(e).env_pgfault_upcall = func;
    Ok(0)
}

fn sys_yield(bkl: &mut Bkl) -> SysResult {
    let e = me(bkl);
    bkl.env(e).env_tf.regs.eax = 0;
    bkl.diverge(sched_yield)
}

/// A zeroed page at `va` in `envid`'s address space.
fn sys_page_alloc(bkl: &mut Bkl, envid: EnvId, va: u32, perm: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let va = page_arg(va)?;
    if !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    pmap::page_alloc_at(space_of(bkl, e), va.into(), perm)?;
    Ok(0)
}

/// Maps the shared zero frame at `va` in `envid`, read-only (issue 9):
/// page_alloc's checks, and PTE_W is refused. Nothing is allocated but
/// perhaps a page table; the frame itself is pinned and never freed.
/// RJOS (issue 11): the page at `va` in `envid` (self or child) becomes a
/// private copy of itself, with `perm` (page_alloc's rules). A
/// copy-on-write fault takes this one call instead of page_alloc (which
/// zeroes a page only for the copy to overwrite it), the copy, page_map
/// and page_unmap.
fn sys_page_copy(bkl: &mut Bkl, envid: EnvId, va: u32, perm: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let va = page_arg(va)?;
    if !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    pmap::page_copy(space_of(bkl, e), va.into(), perm)?;
    Ok(0)
}

fn sys_page_map_zero(bkl: &mut Bkl, envid: EnvId, va: u32, perm: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let va = page_arg(va)?;
    if !perm_ok(perm) || perm & PTE_W != 0 {
        return Err(-E_INVAL);
    }
    pmap::page_insert(space_of(bkl, e), pmap::zero_frame(), va.into(), perm)?;
    Ok(0)
}

/// The frame at `srcva` in `src`, checked to be mappable with `perm`.
pub fn mappable_page(bkl: &mut Bkl, src: usize, srcva: UserVa, perm: u32) -> Result<PhysAddr, i32> {
    if !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    pmap::page_mappable(pgdir_of(bkl, src), srcva.into(), perm)
}

fn sys_page_map(
    bkl: &mut Bkl,
    srcid: EnvId,
    srcva: u32,
    dstid: EnvId,
    dstva: u32,
    perm: u32,
) -> SysResult {
    let src = envid2env(bkl, srcid, true)?;
    let dst = envid2env(bkl, dstid, true)?;
    let (srcva, dstva) = (page_arg(srcva)?, page_arg(dstva)?);
    if !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    let (src_dir, dst_space) = (pgdir_of(bkl, src), space_of(bkl, dst));
    pmap::page_map(src_dir, srcva.into(), dst_space, dstva.into(), perm)?;
    Ok(0)
}

/// Maps `count` pages listed at `list` (one `batch_entry` word each) from
/// `srcid` into `dstid`, all or nothing. The list is copied into the kernel
/// before any check, so a sibling sharing that memory cannot change an
/// entry between its check and its use.
fn sys_page_map_batch(
    bkl: &mut Bkl,
    srcid: EnvId,
    dstid: EnvId,
    list: u32,
    count: u32,
) -> SysResult {
    let src = envid2env(bkl, srcid, true)?;
    let dst = envid2env(bkl, dstid, true)?;
    if count > inc::syscall::PAGE_MAP_BATCH_MAX {
        return Err(-E_INVAL);
    }
    let caller = me(bkl);
    let buf = env::user_mem_assert(bkl, caller, UserBuf::new(list, count * 4), PTE_U);
    // Not zeroed first: that alone cost more than a short batch.
    let mut copy = [core::mem::MaybeUninit::<u32>::uninit(); crate::pgdir::MAP_BATCH_MAX];
    for (page, word) in copy.iter_mut().zip(buf.as_slice().chunks_exact(4)) {
        page.write(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
    }
    // SAFETY: the loop wrote the first `count` entries (the buffer holds
    // exactly `count` words, and count <= MAP_BATCH_MAX).
    let pages = unsafe { core::slice::from_raw_parts(copy.as_ptr().cast::<u32>(), count as usize) };
    let (src_dir, dst_space) = (pgdir_of(bkl, src), space_of(bkl, dst));
    pmap::page_map_batch(src_dir, dst_space, pages)?;
    Ok(0)
}

/// Whether `envid` maps at `va` the frame the caller maps at `myva`. Any
/// env may ask about any env: the answer names no frame, and it is what a
/// server needs to check a client's claim to hold a shared page.
fn sys_page_shared(bkl: &mut Bkl, envid: EnvId, va: u32, myva: u32) -> SysResult {
    let other = envid2env(bkl, envid, false)?;
    let (va, myva) = (page_arg(va)?, page_arg(myva)?);
    let caller = me(bkl);
    let theirs = pmap::page_lookup(pgdir_of(bkl, other), va.into());
    let mine = pmap::page_lookup(pgdir_of(bkl, caller), myva.into());
    Ok(matches!((theirs, mine), (Some((a, _)), Some((b, _))) if a == b) as i32)
}

fn sys_page_unmap(bkl: &mut Bkl, envid: EnvId, va: u32) -> SysResult {
    let e = envid2env(bkl, envid, true)?;
    let va = page_arg(va)?;
    pmap::page_remove(space_of(bkl, e), va.into());
    Ok(0)
}

/// Milliseconds since the timer started, from the boot CPU's timer
/// interrupts: lapic.rs programs 10 ms periods (100 Hz).
fn sys_time_msec() -> SysResult {
    const MS_PER_TICK: u32 = 10;
    let ticks = crate::trap::TICKS.load(core::sync::atomic::Ordering::Relaxed);
    Ok(ticks.wrapping_mul(MS_PER_TICK) as i32)
}
