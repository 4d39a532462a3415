//! Inter-process communication: JOS's ipc_try_send/ipc_recv, RJOS's
//! blocking ipc_send (syscall 15) and send-then-receive (syscall 19).
//!
//! Syscall 19 makes a round trip two kernel entries: the client sends and
//! waits for the answer in one call, the server answers and waits for the
//! next request in one call. When the message wakes a receiver, the caller
//! (now waiting itself) switches straight to it on this CPU, without a pass
//! through the scheduler (L4's direct switch).
//!
//! A receiver waits in ipc_recv (NOT_RUNNABLE, `env_ipc_recving` set). A
//! sender either finds it waiting and delivers at once, or, with ipc_send,
//! joins the receiver's queue of senders (NOT_RUNNABLE too). The next
//! ipc_recv serves the oldest queued sender and wakes it with 0; a receiver
//! that dies wakes its queue with -E_BAD_ENV. The queues are singly linked
//! through the kernel-private per-env state, so nothing here walks the
//! whole env table.

use crate::addr::UserVa;
use crate::bkl::Bkl;
use crate::env::{self, envid2env, space_of, PendingSend, KERNEL_STATE};
use crate::pmap;
use crate::sched::sched_yield;
use crate::syscall::{mappable_page, me, SysResult};
use crate::userptr::ipc_page_arg;
use inc::env::{EnvId, ENV_NOT_RUNNABLE, ENV_RUNNABLE};
use inc::error::{E_BAD_ENV, E_IPC_NOT_RECV};
use inc::memlayout::PGSIZE;

/// Hands `value` (and the page at `srcva`, if both sides want one) from
/// `sender` to `target`, which is waiting in ipc_recv, and makes the target
/// runnable with 0 as the result of its ipc_recv.
fn deliver(
    bkl: &mut Bkl,
    sender: usize,
    target: usize,
    value: u32,
    srcva: Option<UserVa>,
    perm: u32,
) -> Result<(), i32> {
    // ipc_recv let through only a page below UTOP or "no page" (>= UTOP).
    let dstva = UserVa::page(bkl.env(target).env_ipc_dstva);
    let mut sent_perm = 0;
    if let Some(srcva) = srcva {
        let pa = mappable_page(bkl, sender, srcva, perm)?;
        if let Some(dstva) = dstva {
            pmap::page_insert(space_of(bkl, target), pa, dstva.into(), perm)?;
            sent_perm = perm;
        }
    }
    let from = bkl.env(sender).env_id;
    let in_regs = KERNEL_STATE.get(bkl)[target].recv_in_regs;
    let t = bkl.env(target);
    if in_regs {
        t.env_tf.regs.edx = value;
        t.env_tf.regs.ecx = from as u32;
        t.env_tf.regs.ebx = sent_perm;
    }
    t.env_ipc_recving = false;
    t.env_ipc_from = from;
    t.env_ipc_value = value;
    t.env_ipc_perm = sent_perm;
    t.env_tf.regs.eax = 0;
    if t.env_status == ENV_NOT_RUNNABLE {
        env::set_status(bkl, target, ENV_RUNNABLE);
    }
    Ok(())
}

pub fn sys_ipc_try_send(
    bkl: &mut Bkl,
    envid: EnvId,
    value: u32,
    srcva: u32,
    perm: u32,
) -> SysResult {
    let target = envid2env(bkl, envid, false)?;
    if !bkl.env(target).env_ipc_recving {
        return Err(-E_IPC_NOT_RECV);
    }
    let srcva = ipc_page_arg(srcva)?;
    let sender = me(bkl);
    deliver(bkl, sender, target, value, srcva, perm)?;
    Ok(0)
}

/// Like ipc_try_send, but waits (NOT_RUNNABLE) while the target is not
/// receiving; the target's ipc_recv completes the send and wakes us.
pub fn sys_ipc_send(bkl: &mut Bkl, envid: EnvId, value: u32, srcva: u32, perm: u32) -> SysResult {
    let sender = me(bkl);
    let target = envid2env(bkl, envid, false)?;
    let srcva = ipc_page_arg(srcva)?;
    if let Some(page) = srcva {
        mappable_page(bkl, sender, page, perm)?; // report bad pages now, not later
    }
    if bkl.env(target).env_ipc_recving {
        deliver(bkl, sender, target, value, srcva, perm)?;
        return Ok(0);
    }
    KERNEL_STATE.get(bkl)[sender].pending_send = Some(PendingSend {
        to: target,
        value,
        srcva,
        perm,
        then_recv: None,
    });
    enqueue(bkl, sender, target);
    env::set_status(bkl, sender, ENV_NOT_RUNNABLE);
    bkl.diverge(sched_yield)
}

/// RJOS's syscall 19: `ipc_send(envid, value, srcva, perm)`, then
/// `ipc_recv(dstva)`, in one call; `page` is `srcva | perm` (srcva
/// page-aligned, or at or above UTOP for no page), so that the call fits
/// the four registers of `sysenter`. Errors of the send return at once,
/// before anything is sent; the result is the receive's.
pub fn sys_ipc_send_recv(
    bkl: &mut Bkl,
    envid: EnvId,
    value: u32,
    page: u32,
    dstva: u32,
) -> SysResult {
    let (srcva, perm) = (page & !(PGSIZE - 1), page & (PGSIZE - 1));
    let sender = me(bkl);
    let target = envid2env(bkl, envid, false)?;
    let srcva = ipc_page_arg(srcva)?;
    ipc_page_arg(dstva)?;
    if let Some(page) = srcva {
        mappable_page(bkl, sender, page, perm)?;
    }
    if !bkl.env(target).env_ipc_recving {
        KERNEL_STATE.get(bkl)[sender].pending_send = Some(PendingSend {
            to: target,
            value,
            srcva,
            perm,
            then_recv: Some(dstva),
        });
        enqueue(bkl, sender, target);
        env::set_status(bkl, sender, ENV_NOT_RUNNABLE);
        bkl.diverge(sched_yield)
    }
    deliver(bkl, sender, target, value, srcva, perm)?;
    start_recv(bkl, sender, dstva, true);
    // A receiver set RUNNABLE by its parent may be running on another CPU;
    // only a waiting one (now RUNNABLE) can be switched to here.
    if bkl.env(target).env_status == ENV_RUNNABLE {
        bkl.diverge_to(env::env_run, target)
    }
    bkl.diverge(sched_yield)
}

/// Waits for a message. A queued sender is served at once (oldest first);
/// otherwise the caller sleeps until a send arrives.
pub fn sys_ipc_recv(bkl: &mut Bkl, dstva: u32) -> SysResult {
    // Only checked: env_ipc_dstva keeps the raw value, as the Env ABI shows it.
    ipc_page_arg(dstva)?;
    let receiver = me(bkl);
    let r = bkl.env(receiver);
    r.env_ipc_recving = true;
    r.env_ipc_dstva = dstva;
    while let Some(s) = dequeue(bkl, receiver) {
        let p = KERNEL_STATE.get(bkl)[s]
            .pending_send
            .take()
            .expect("queued senders have a send");
        match deliver(bkl, s, receiver, p.value, p.srcva, p.perm) {
            Ok(()) => {
                match p.then_recv {
                    Some(dstva) => start_recv(bkl, s, dstva, true),
                    None => wake_sender(bkl, s, 0),
                }
                return Ok(0);
            }
            // The sender's page went away while it waited: tell it why.
            Err(err) => wake_sender(bkl, s, err),
        }
    }
    start_recv(bkl, receiver, dstva, false);
    bkl.diverge(sched_yield)
}

/// Env `e` (not running: the caller on its way out, or a served sender)
/// waits for a message into `dstva` (checked), NOT_RUNNABLE until one comes;
/// `in_regs` for syscall 19 (see `EnvKernel::recv_in_regs`).
fn start_recv(bkl: &mut Bkl, e: usize, dstva: u32, in_regs: bool) {
    KERNEL_STATE.get(bkl)[e].recv_in_regs = in_regs;
    let r = bkl.env(e);
    r.env_ipc_recving = true;
    r.env_ipc_dstva = dstva;
    r.env_tf.regs.eax = 0;
    if in_regs {
        // Woken without a message (its parent set its status): from 0,
        // as JOS's ipc_recv callers see in env_ipc_from.
        (r.env_tf.regs.edx, r.env_tf.regs.ecx, r.env_tf.regs.ebx) = (0, 0, 0);
    }
    env::set_status(bkl, e, ENV_NOT_RUNNABLE);
}

/// Wakes a sender that has left its queue, with `result` as the value of
/// its ipc_send.
fn wake_sender(bkl: &mut Bkl, s: usize, result: i32) {
    bkl.env(s).env_tf.regs.eax = result as u32;
    env::set_status(bkl, s, ENV_RUNNABLE);
}

/// Senders queued on `target`, which is going away, get -E_BAD_ENV.
pub fn fail_senders_to(bkl: &mut Bkl, target: usize) {
    while let Some(s) = dequeue(bkl, target) {
        KERNEL_STATE.get(bkl)[s].pending_send = None;
        wake_sender(bkl, s, -E_BAD_ENV);
    }
}

/// Takes `sender` out of the queue it waits in (it is being freed, or its
/// parent changed its status), dropping its send.
pub fn cancel_send(bkl: &mut Bkl, sender: usize) {
    let state = KERNEL_STATE.get(bkl);
    let Some(p) = state[sender].pending_send.take() else {
        return;
    };
    let target = p.to;
    let Some((first, last)) = state[target].senders else {
        return;
    };
    let next = state[sender].next_sender.take();
    if first == sender {
        state[target].senders = next.map(|n| (n, last));
        return;
    }
    // Find the sender's predecessor and link around it.
    let mut prev = first;
    while let Some(n) = state[prev].next_sender {
        if n == sender {
            state[prev].next_sender = next;
            if last == sender {
                state[target].senders = Some((first, prev));
            }
            return;
        }
        prev = n;
    }
}

fn enqueue(bkl: &mut Bkl, sender: usize, target: usize) {
    let state = KERNEL_STATE.get(bkl);
    state[sender].next_sender = None;
    state[target].senders = match state[target].senders {
        None => Some((sender, sender)),
        Some((first, last)) => {
            state[last].next_sender = Some(sender);
            Some((first, sender))
        }
    };
}

fn dequeue(bkl: &mut Bkl, target: usize) -> Option<usize> {
    let state = KERNEL_STATE.get(bkl);
    let (first, last) = state[target].senders?;
    let next = state[first].next_sender.take();
    state[target].senders = next.map(|n| (n, last));
    Some(first)
}
