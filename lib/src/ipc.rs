//! Inter-process communication: one 32-bit value and, optionally, one page.
//!
//! Both directions block in the kernel: `ipc_recv` with `sys_ipc_recv`, and
//! `ipc_send` with RJOS's `sys_ipc_send` (syscall 15), which waits until the
//! receiver takes the message, so no one spins calling `sys_ipc_try_send`.

use inc::env::EnvId;
use inc::memlayout::UTOP;

/// Waits for a message and returns its value.
///
/// With `pg = Some(va)` a page sent along is mapped at `va`; `perm_store`
/// gets its permissions (0 if no page came). `from_store` gets the sender.
/// On error both stores get 0 and the error is returned.
///
/// The page at `va` is replaced by the sender's: like JOS, only raw
/// pointers should reach into it.
pub fn ipc_recv(
    from_store: Option<&mut EnvId>,
    pg: Option<u32>,
    perm_store: Option<&mut u32>,
) -> Result<u32, i32> {
    // SAFETY: the caller designated `pg` as the page to receive into; with
    // no page, UTOP tells the kernel not to map anything.
    let r = unsafe { crate::sys_ipc_recv(pg.unwrap_or(UTOP)) };
    let me = crate::thisenv();
    let ok = r.is_ok();
    if let Some(from) = from_store {
        *from = if ok { me.env_ipc_from } else { 0 };
    }
    if let Some(perm) = perm_store {
        *perm = if ok { me.env_ipc_perm } else { 0 };
    }
    r.map(|()| me.env_ipc_value)
}

/// Sends `val` (and the page at `pg` with `perm`, if given) to `to`, then
/// waits for the next message as [`ipc_recv`] does (into `rpg`, with
/// `from_store` and `perm_store`): a client's request and its answer, or a
/// server's answer and the next request, in one kernel entry (syscall 19).
/// The answer may come from anyone; check `from_store` if that matters.
/// A send that fails returns its error, with nothing sent or received.
pub fn ipc_send_recv(
    to: EnvId,
    val: u32,
    pg: Option<u32>,
    perm: u32,
    rpg: Option<u32>,
    from_store: Option<&mut EnvId>,
    perm_store: Option<&mut u32>,
) -> Result<u32, i32> {
    // SAFETY: as in ipc_recv, `rpg` is the page the caller receives into.
    let r =
        unsafe { crate::sys_ipc_send_recv(to, val, pg.unwrap_or(UTOP), perm, rpg.unwrap_or(UTOP)) };
    let (value, from, got_perm) = r.unwrap_or((0, 0, 0));
    if let Some(f) = from_store {
        *f = from;
    }
    if let Some(p) = perm_store {
        *p = got_perm;
    }
    r.map(|_| value)
}

/// Sends `val` (and the page at `pg` with `perm`, if given) to `to`,
/// waiting until it is received. Panics on any error, as JOS's does.
pub fn ipc_send(to: EnvId, val: u32, pg: Option<u32>, perm: u32) {
    if let Err(e) = crate::sys_ipc_send(to, val, pg.unwrap_or(UTOP), perm) {
        crate::panic!("ipc_send to %08x: %e", to, e);
    }
}

/// The first environment of type `env_type` (e.g. the file server), if any.
pub fn ipc_find_env(env_type: u32) -> Option<EnvId> {
    (0..inc::env::NENV)
        .map(crate::envs)
        .find(|e| e.env_type == env_type && e.env_status != inc::env::ENV_FREE)
        .map(|e| e.env_id)
}
