//! quota: per-env page counts and quotas (issue 9, item 7; docs/vm.md).
//! The kernel's count at UENVMEM must be what our own page tables show;
//! a child under a quota its parent set gets -E_NO_MEM from every call
//! that would add a mapping past it (page_alloc, page_map, the batch, and
//! the parent's page_map into it), while calls that only re-protect still
//! work; the child cannot lift or dodge the quota, and every frame comes
//! back when it exits.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::env::{envx, EnvId, NO_QUOTA};
use inc::error::{E_BAD_ENV, E_INVAL};
use inc::memlayout::{PGSIZE, PTSIZE, UTOP};
use inc::mmu::{PTE_P, PTE_U, PTE_W};
use inc::syscall::batch_entry;
use jos::fork::{uvpd, uvpt};
use jos::vmmap::{page_tables, unreferenced_frames};
use jos::{cprintf, env_mem, envs, exit, fork, ipc_recv, ipc_send, panic};
use jos::{sys_env_destroy, sys_env_set_quota, sys_exofork, sys_getenvid, sys_yield};
use vmtest::wait;

/// Where the child maps its pages: far from anything else.
const SCRATCH: u32 = 0x2000_0000;
/// Pages the child may map beyond what it has when the quota is set.
const HEADROOM: u32 = 32;
const PERM: u32 = PTE_U | PTE_P | PTE_W;

/// Pages mapped below UTOP, counted through uvpd/uvpt.
fn pages_in_uvpt() -> u32 {
    let mut n = 0;
    for table in (0..UTOP).step_by(PTSIZE as usize) {
        if uvpd(table) & PTE_P != 0 {
            n += (0..1024)
                .filter(|i| uvpt(table + i * PGSIZE).is_some())
                .count() as u32;
        }
    }
    n
}

fn my_pages() -> u32 {
    env_mem(envx(sys_getenvid())).em_pages
}

/// "ok", or the message `%e` gives the error.
fn outcome(r: Result<(), i32>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(e) => inc::error::error_string(e).unwrap_or("unknown error"),
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn page_alloc(va: u32) -> Result<(), i32> {
    // SAFETY: SCRATCH pages hold no Rust object.
    unsafe { jos::sys_page_alloc(0, va, PERM) }
}

fn page_map(src: EnvId, srcva: u32, dst: EnvId, dstva: u32, perm: u32) -> Result<(), i32> {
    // SAFETY: only SCRATCH pages are mapped or replaced.
    unsafe { jos::sys_page_map(src, srcva, dst, dstva, perm) }
}

fn page_unmap(va: u32) {
    // SAFETY: SCRATCH pages hold no Rust object.
    unsafe { jos::sys_page_unmap(0, va) }.unwrap_or_else(|e| panic!("unmap: %e", e));
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (counted, walked) = (my_pages(), pages_in_uvpt());
    cprintf!(
        "quota: the kernel's count is what uvpt shows: %s\n",
        yes(counted == walked)
    );
    for i in 0..10 {
        page_alloc(SCRATCH + i * PGSIZE).unwrap_or_else(|e| panic!("page_alloc: %e", e));
    }
    let grown = my_pages() - counted;
    (0..10).for_each(|i| page_unmap(SCRATCH + i * PGSIZE));
    cprintf!(
        "quota: 10 page_allocs counted %u, 10 unmaps gave back %u, no quota %s\n",
        grown,
        grown + counted - my_pages(),
        yes(env_mem(envx(sys_getenvid())).em_quota == NO_QUOTA)
    );

    let (free0, tables0) = (unreferenced_frames(), page_tables());
    let child = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if child == 0 {
        child_main();
    }
    // Wait until the child blocks in ipc_recv: then its count holds still.
    while !envs(envx(child)).env_ipc_recving {
        sys_yield();
    }
    let quota = env_mem(envx(child)).em_pages + HEADROOM;
    sys_env_set_quota(child, quota).unwrap_or_else(|e| panic!("set_quota: %e", e));
    cprintf!(
        "quota: set the child's quota to its pages plus %u: %s\n",
        HEADROOM,
        yes(env_mem(envx(child)).em_quota == quota)
    );
    ipc_send(child, quota, None, 0);
    // The child tells us when it is full; a mapping from us must fail too.
    let mut from = 0;
    let _ = ipc_recv(Some(&mut from), None, None);
    // A page the child does not have (it filled SCRATCH up from the start).
    let lent = SCRATCH + 100 * PGSIZE;
    page_alloc(lent).unwrap_or_else(|e| panic!("page_alloc: %e", e));
    let map = page_map(0, lent, child, lent, PERM);
    // SAFETY: the child has nothing at `lent`; ours keeps its frame.
    let batch = unsafe { jos::sys_page_map_batch(0, child, &[batch_entry(lent, PERM)]) };
    cprintf!(
        "quota: into the full child, parent's page_map: %s, batch: %s\n",
        outcome(map),
        outcome(batch)
    );
    page_unmap(lent);
    ipc_send(child, 0, None, 0);
    wait(child);
    // Our own copy-on-write faults may have made a page table (PFTEMP's).
    let kept = free0 - unreferenced_frames();
    cprintf!(
        "quota: the child's frames all came back: %s\n",
        yes(kept == page_tables() - tables0)
    );
}

fn child_main() -> ! {
    let quota = ipc_recv(None, None, None).unwrap_or_else(|e| panic!("ipc_recv: %e", e));
    let room = quota - my_pages();
    let mut got = 0;
    let err = loop {
        match page_alloc(SCRATCH + got * PGSIZE) {
            Ok(()) => got += 1,
            Err(e) => break e,
        }
    };
    cprintf!(
        "quota: child: page_alloc gave %u of %u pages of room, then %s\n",
        got,
        room,
        outcome(Err(err))
    );
    let top = SCRATCH + (got - 1) * PGSIZE;
    let remap_new = page_map(0, top, 0, SCRATCH + 200 * PGSIZE, PTE_U | PTE_P);
    let reprotect = page_map(0, top, 0, top, PTE_U | PTE_P);
    cprintf!(
        "quota: child: page_map to a new va: %s; re-protecting in place: %s\n",
        outcome(remap_new),
        outcome(reprotect)
    );
    let same = [batch_entry(top, PTE_U | PTE_P)];
    // SAFETY: the page keeps its frame; only SCRATCH pages are named.
    let batch = unsafe { jos::sys_page_map_batch(0, 0, &same) };
    cprintf!(
        "quota: child: batch re-protect in place: %s\n",
        outcome(batch)
    );
    page_unmap(top);
    let again = page_alloc(top);
    cprintf!(
        "quota: child: after one unmap, page_alloc: %s; count at the quota %s\n",
        outcome(again),
        yes(my_pages() == quota)
    );
    let parent = envs(envx(sys_getenvid())).env_parent_id;
    ipc_send(parent, 0, None, 0);
    let _ = ipc_recv(None, None, None);
    check_no_escape(quota);
    (0..got).for_each(|i| page_unmap(SCRATCH + i * PGSIZE));
    cprintf!(
        "quota: child: after all that, the count is what uvpt shows: %s\n",
        yes(my_pages() == pages_in_uvpt())
    );
    exit();
}

/// The child may neither raise its own quota nor hand a child a bigger one.
fn check_no_escape(quota: u32) {
    let on_self = sys_env_set_quota(sys_getenvid(), NO_QUOTA);
    cprintf!(
        "quota: child: lifting its own quota: %s\n",
        outcome(on_self)
    );
    let g = match sys_exofork() {
        Ok(0) => loop {
            sys_yield(); // never made runnable
        },
        Ok(g) => g,
        Err(e) => panic!("exofork: %e", e),
    };
    let inherited = env_mem(envx(g)).em_quota == quota;
    let lift = sys_env_set_quota(g, NO_QUOTA);
    let raise = sys_env_set_quota(g, quota + 1);
    let lower = sys_env_set_quota(g, quota - 10);
    cprintf!(
        "quota: child: its child inherits the quota %s; lifting: %s, raising: %s, lowering: %s\n",
        yes(inherited),
        outcome(lift),
        outcome(raise),
        outcome(lower)
    );
    let ok = lift == Err(-E_INVAL)
        && raise == Err(-E_INVAL)
        && lower.is_ok()
        && on_self == Err(-E_BAD_ENV);
    cprintf!("quota: child: no way around the quota: %s\n", yes(ok));
    sys_env_destroy(g).unwrap_or_else(|e| panic!("destroy: %e", e));
}
