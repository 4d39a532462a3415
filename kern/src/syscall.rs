//! System calls (JOS's syscall.c, plus the blocking `ipc_send`).
//!
//! Every call runs for the current env with the big kernel lock held, and
//! returns a value or a negated JOS error code. Nothing a user passes can
//! make the kernel panic: envids go through `envid2env`, addresses through
//! the checks in `userptr`, and every error path gives back what it took.

use crate::cpu::curenv;
use crate::env::{self, env, envid2env, pgdir_of, PendingSend, KERNEL_STATE};
use crate::gdt::{GD_UD, GD_UT, RPL_USER};
use crate::pmap;
use crate::sched::sched_yield;
use crate::userptr::{is_user_page, perm_ok, UserBuf};
use inc::env::*;
use inc::error::*;
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{FL_IF, PTE_U, PTE_W};
use inc::syscall::Syscall;
use inc::trap::Trapframe;

type SysResult = Result<i32, i32>;

/// Dispatches system call `num` with its arguments (edx, ecx, ebx, edi, esi).
pub fn syscall(num: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32) -> i32 {
    let Some(call) = Syscall::from_u32(num) else {
        return -E_INVAL;
    };
    let result = match call {
        Syscall::Cputs => sys_cputs(a1, a2),
        Syscall::Cgetc => Ok(crate::console::getc().map_or(0, i32::from)),
        Syscall::Getenvid => Ok(env::curenv_id()),
        Syscall::EnvDestroy => sys_env_destroy(a1 as EnvId),
        Syscall::PageAlloc => sys_page_alloc(a1 as EnvId, a2, a3),
        Syscall::PageMap => sys_page_map(a1 as EnvId, a2, a3 as EnvId, a4, a5),
        Syscall::PageUnmap => sys_page_unmap(a1 as EnvId, a2),
        Syscall::Exofork => sys_exofork(),
        Syscall::EnvSetStatus => sys_env_set_status(a1 as EnvId, a2),
        Syscall::EnvSetTrapframe => sys_env_set_trapframe(a1 as EnvId, a2),
        Syscall::EnvSetPgfaultUpcall => sys_env_set_pgfault_upcall(a1 as EnvId, a2),
        Syscall::Yield => sys_yield(),
        Syscall::IpcTrySend => sys_ipc_try_send(a1 as EnvId, a2, a3, a4),
        Syscall::IpcRecv => sys_ipc_recv(a1),
        Syscall::TimeMsec => sys_time_msec(),
        Syscall::IpcSend => sys_ipc_send(a1 as EnvId, a2, a3, a4),
    };
    result.unwrap_or_else(|err| err)
}

fn me() -> usize {
    curenv().expect("system call with no current env")
}

/// Prints `len` bytes at `s` (stopping at a NUL, like JOS's `%.*s`).
fn sys_cputs(s: u32, len: u32) -> SysResult {
    let buf = env::user_mem_assert(me(), UserBuf::new(s, len), PTE_U);
    for &b in buf.as_slice().iter().take_while(|&&b| b != 0) {
        crate::console::putc(b);
    }
    Ok(0)
}

fn sys_env_destroy(envid: EnvId) -> SysResult {
    let e = envid2env(envid, true)?;
    let who = env::curenv_id();
    if Some(e) == curenv() {
        cprintf!("[%08x] exiting gracefully\n", who);
    } else {
        cprintf!("[%08x] destroying %08x\n", who, env(e).env_id);
    }
    env::env_destroy(e);
    Ok(0)
}

/// A new env with the caller's registers, NOT_RUNNABLE, returning 0 in it.
fn sys_exofork() -> SysResult {
    let parent = me();
    let child = env::env_alloc(env(parent).env_id)?;
    let tf = env(parent).env_tf;
    let c = env(child);
    c.env_status = ENV_NOT_RUNNABLE;
    c.env_tf = tf;
    c.env_tf.regs.eax = 0;
    Ok(c.env_id)
}

fn sys_env_set_status(envid: EnvId, status: u32) -> SysResult {
    if status != ENV_RUNNABLE && status != ENV_NOT_RUNNABLE {
        return Err(-E_INVAL);
    }
    let e = envid2env(envid, true)?;
    let target = env(e);
    match target.env_status {
        ENV_DYING => return Err(-E_BAD_ENV),
        // Already on a CPU: RUNNABLE would let a second CPU pick it too.
        ENV_RUNNING if status == ENV_RUNNABLE => return Ok(0),
        _ => {}
    }
    // Whoever sets the status takes the env out of a blocked ipc_send.
    if KERNEL_STATE.get()[e].pending_send.take().is_some() {
        target.env_tf.regs.eax = (-E_IPC_NOT_RECV) as u32;
    }
    target.env_status = status;
    Ok(0)
}

/// EFLAGS bits a user may choose: the arithmetic flags, TF, DF, AC and ID.
/// Never IOPL, VM or NT (an `iret` with those would leave user mode's rules).
const FL_USER_CHOOSES: u32 = 0x0024_0DD5;

fn sys_env_set_trapframe(envid: EnvId, tfva: u32) -> SysResult {
    let e = envid2env(envid, true)?;
    let size = core::mem::size_of::<Trapframe>() as u32;
    let buf = env::user_mem_assert(me(), UserBuf::new(tfva, size), PTE_U);
    let mut tf: Trapframe = buf.read();
    let udata = GD_UD | RPL_USER;
    tf.cs = GD_UT | RPL_USER;
    (tf.ds, tf.es, tf.ss) = (udata, udata, udata);
    (tf.padding1, tf.padding2, tf.padding3, tf.padding4) = (0, 0, 0, 0);
    tf.eflags = (tf.eflags & FL_USER_CHOOSES) | FL_IF;
    env(e).env_tf = tf;
    Ok(0)
}

fn sys_env_set_pgfault_upcall(envid: EnvId, func: u32) -> SysResult {
    let e = envid2env(envid, true)?;
    env(e).env_pgfault_upcall = func;
    Ok(0)
}

fn sys_yield() -> SysResult {
    env(me()).env_tf.regs.eax = 0;
    sched_yield()
}

/// A zeroed page at `va` in `envid`'s address space.
fn sys_page_alloc(envid: EnvId, va: u32, perm: u32) -> SysResult {
    let e = envid2env(envid, true)?;
    if !is_user_page(va) || !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    let pa = pmap::page_alloc(true).ok_or(-E_NO_MEM)?;
    if let Err(err) = pmap::page_insert(pgdir_of(e), pa, va, perm) {
        pmap::page_free(pa);
        return Err(err);
    }
    Ok(0)
}

/// The frame at `srcva` in `src`, checked to be mappable with `perm`.
fn mappable_page(src: usize, srcva: u32, perm: u32) -> Result<crate::addr::PhysAddr, i32> {
    if !is_user_page(srcva) || !perm_ok(perm) {
        return Err(-E_INVAL);
    }
    let (pa, pte) = pmap::page_lookup(pgdir_of(src), srcva).ok_or(-E_INVAL)?;
    if perm & PTE_W != 0 && pte & PTE_W == 0 {
        return Err(-E_INVAL);
    }
    Ok(pa)
}

fn sys_page_map(srcid: EnvId, srcva: u32, dstid: EnvId, dstva: u32, perm: u32) -> SysResult {
    let src = envid2env(srcid, true)?;
    let dst = envid2env(dstid, true)?;
    if !is_user_page(dstva) {
        return Err(-E_INVAL);
    }
    let pa = mappable_page(src, srcva, perm)?;
    pmap::page_insert(pgdir_of(dst), pa, dstva, perm)?;
    Ok(0)
}

fn sys_page_unmap(envid: EnvId, va: u32) -> SysResult {
    let e = envid2env(envid, true)?;
    if !is_user_page(va) {
        return Err(-E_INVAL);
    }
    pmap::page_remove(pgdir_of(e), va);
    Ok(0)
}

/// The checks a send makes before looking at the receiver: a page to send
/// (srcva < UTOP) must be aligned, mapped, and allow `perm`.
fn check_send_page(sender: usize, srcva: u32, perm: u32) -> Result<(), i32> {
    if srcva < UTOP {
        mappable_page(sender, srcva, perm)?;
    }
    Ok(())
}

/// Hands `value` (and the page at `srcva`, if both sides want one) from
/// `sender` to `target`, which is waiting in ipc_recv, and makes the target
/// runnable with 0 as the result of its ipc_recv.
fn deliver(sender: usize, target: usize, value: u32, srcva: u32, perm: u32) -> Result<(), i32> {
    let dstva = env(target).env_ipc_dstva;
    let mut sent_perm = 0;
    if srcva < UTOP {
        let pa = mappable_page(sender, srcva, perm)?;
        if dstva < UTOP {
            pmap::page_insert(pgdir_of(target), pa, dstva, perm)?;
            sent_perm = perm;
        }
    }
    let from = env(sender).env_id;
    let t = env(target);
    t.env_ipc_recving = false;
    t.env_ipc_from = from;
    t.env_ipc_value = value;
    t.env_ipc_perm = sent_perm;
    t.env_tf.regs.eax = 0;
    if t.env_status == ENV_NOT_RUNNABLE {
        t.env_status = ENV_RUNNABLE;
    }
    Ok(())
}

fn sys_ipc_try_send(envid: EnvId, value: u32, srcva: u32, perm: u32) -> SysResult {
    let target = envid2env(envid, false)?;
    if !env(target).env_ipc_recving {
        return Err(-E_IPC_NOT_RECV);
    }
    deliver(me(), target, value, srcva, perm)?;
    Ok(0)
}

/// Like ipc_try_send, but waits (NOT_RUNNABLE) while the target is not
/// receiving; the target's ipc_recv completes the send and wakes us.
fn sys_ipc_send(envid: EnvId, value: u32, srcva: u32, perm: u32) -> SysResult {
    let sender = me();
    let target = envid2env(envid, false)?;
    check_send_page(sender, srcva, perm)?;
    if env(target).env_ipc_recving {
        deliver(sender, target, value, srcva, perm)?;
        return Ok(0);
    }
    let seq = next_send_seq();
    KERNEL_STATE.get()[sender].pending_send = Some(PendingSend {
        to: env(target).env_id,
        value,
        srcva,
        perm,
        seq,
    });
    env(sender).env_status = ENV_NOT_RUNNABLE;
    sched_yield()
}

fn next_send_seq() -> u64 {
    static SEQ: crate::bkl::BklCell<u64> = crate::bkl::BklCell::new(0);
    let seq = SEQ.get();
    *seq += 1;
    *seq
}

/// The env that has waited longest in ipc_send to `id`, if any.
fn oldest_sender_to(id: EnvId) -> Option<usize> {
    let state = KERNEL_STATE.get();
    (0..NENV)
        .filter_map(|i| {
            state[i]
                .pending_send
                .filter(|p| p.to == id)
                .map(|p| (p.seq, i))
        })
        .min()
        .map(|(_, i)| i)
}

/// Wakes a blocked sender with `result` as its ipc_send's return value.
fn wake_sender(s: usize, result: i32) {
    KERNEL_STATE.get()[s].pending_send = None;
    let e = env(s);
    e.env_tf.regs.eax = result as u32;
    e.env_status = ENV_RUNNABLE;
}

/// Envs blocked sending to `id`, which is going away, get -E_BAD_ENV.
pub fn fail_senders_to(id: EnvId) {
    while let Some(s) = oldest_sender_to(id) {
        wake_sender(s, -E_BAD_ENV);
    }
}

/// Waits for a message. A blocked sender is served at once (oldest
/// first); otherwise the caller sleeps until a send arrives.
fn sys_ipc_recv(dstva: u32) -> SysResult {
    if dstva < UTOP && !dstva.is_multiple_of(PGSIZE) {
        return Err(-E_INVAL);
    }
    let receiver = me();
    let r = env(receiver);
    r.env_ipc_recving = true;
    r.env_ipc_dstva = dstva;
    let my_id = r.env_id;
    while let Some(s) = oldest_sender_to(my_id) {
        let p = KERNEL_STATE.get()[s]
            .pending_send
            .expect("found as pending");
        match deliver(s, receiver, p.value, p.srcva, p.perm) {
            Ok(()) => {
                wake_sender(s, 0);
                return Ok(0);
            }
            // The sender's page went away while it waited: tell it why.
            Err(err) => wake_sender(s, err),
        }
    }
    let r = env(receiver);
    r.env_status = ENV_NOT_RUNNABLE;
    r.env_tf.regs.eax = 0;
    sched_yield()
}

/// Not offered yet: the LAPIC timer's rate is not known to this module
/// (TICKS counts its interrupts; see docs/lab4.md).
fn sys_time_msec() -> SysResult {
    Err(-E_NOT_SUPP)
}
