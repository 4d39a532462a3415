//! fskill: clients killed in the middle of their requests leak nothing.
//!
//! KILLS times, a forked child loops opening, writing, reading and
//! stat'ing a file, and the parent destroys it after a random number of
//! yields: while it waits for a reply, while the server works on its
//! request (at several CPUs), or between requests. Afterwards every one of
//! the server's MAXOPEN open-file slots must be free again (a slot whose
//! client died is reclaimed), and the kernel's free-page count at the end
//! shows no page leaked.
#![no_std]
#![no_main]

#[path = "../fuzz.rs"]
mod fuzz;

use fuzz::Rng;
use inc::env::{envx, ENV_FREE, ENV_NOT_RUNNABLE};
use inc::fd::fd_page;
use inc::fs::*;
use inc::memlayout::PGSIZE;
use jos::{cprintf, envs, fork, fsipc, panic, sys_env_destroy, sys_page_unmap, sys_yield};

const KILLS: u32 = 40;
/// Yields to wait for a child to be caught waiting for the server's reply.
const PATIENCE: u32 = 5000;
const MANY_FDS: u32 = 0x2000_0000;
const PATH: &[u8] = b"/killed-clients-file";

fn client() -> ! {
    let data = [0x6Bu8; 512];
    let mut back = [0u8; 512];
    let mut i = 0;
    loop {
        let fd = fd_page(i % 8);
        if fsipc::open(PATH, O_RDWR | O_CREAT, fd) == 0 {
            let id = fsipc::fd_at(fd).fd_file_id;
            fsipc::write(id, &data);
            fsipc::set_offset(fd, 0);
            fsipc::read(id, &mut back);
            let _ = fsipc::stat(id);
        }
        i += 1;
    }
}

/// Whether `child` is blocked receiving (the server's reply).
fn awaits_reply(child: inc::env::EnvId) -> bool {
    let e = envs(envx(child));
    e.env_id == child && e.env_status == ENV_NOT_RUNNABLE && e.env_ipc_recving
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // Wait until the server serves (at several CPUs it may still be
    // checking itself), so the clients die against a working server.
    if fsipc::open(PATH, O_RDWR | O_CREAT, fd_page(9)) < 0 {
        panic!("cannot create %s", "the test file");
    }
    // SAFETY: nothing refers into the Fd page.
    let _ = unsafe { sys_page_unmap(0, fd_page(9)) };
    let mut rng = Rng(0x4B11_0005);
    let mut waiting = 0;
    for _ in 0..KILLS {
        let child = match fork() {
            Ok(0) => client(),
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        // Half the kills come after a random few yields, wherever the
        // child is; the other half wait (boundedly) until it is seen
        // waiting for a reply, so the count below does not depend on how
        // the scheduler happened to run (it once came out 0 at 4 CPUs:
        // the old wait stopped at any block, often the child's send).
        if rng.one_in(2) {
            for _ in 0..PATIENCE {
                if awaits_reply(child) {
                    break;
                }
                sys_yield();
            }
        } else {
            for _ in 0..1 + rng.below(40) {
                sys_yield();
            }
        }
        if awaits_reply(child) {
            waiting += 1;
        }
        if let Err(e) = sys_env_destroy(child) {
            panic!("destroy %08x: %e", child, e);
        }
        while envs(envx(child)).env_id == child && envs(envx(child)).env_status != ENV_FREE {
            sys_yield();
        }
    }
    cprintf!(
        "fskill: killed %d clients, %d of them waiting for a reply\n",
        KILLS,
        waiting
    );
    let mut n = 0;
    let last = loop {
        let r = fsipc::open(PATH, O_RDONLY, MANY_FDS + n * PGSIZE);
        if r < 0 || n > MAXOPEN as u32 {
            break r;
        }
        n += 1;
    };
    cprintf!(
        "fskill: %d open-file slots free afterwards (then: %e)\n",
        n,
        last
    );
    for i in 0..n {
        // SAFETY: nothing refers into the Fd pages.
        let _ = unsafe { sys_page_unmap(0, MANY_FDS + i * PGSIZE) };
    }
    let r = fsipc::remove(PATH);
    if r < 0 {
        panic!("remove: %e", r);
    }
    fsipc::sync();
}
