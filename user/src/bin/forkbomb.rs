//! forkbomb: forks until fork fails, which must be a clean error
//! (-E_NO_FREE_ENV or -E_NO_MEM), never a kernel panic. Every child waits
//! in ipc_recv, so none exits and frees its slot early. Then the parent
//! destroys them all and exits; the grader's leak check sees every page back.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicI32, Ordering};
use inc::env::NENV;
use inc::error::{E_NO_FREE_ENV, E_NO_MEM};
use jos::{cprintf, fork, ipc_recv, panic, sys_env_destroy};

/// The children's ids (in bss: the stack is one page).
static CHILDREN: [AtomicI32; NENV] = [const { AtomicI32::new(0) }; NENV];

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut n = 0;
    let err = loop {
        match fork() {
            Ok(0) => loop {
                let _ = ipc_recv(None, None, None); // nobody ever sends
            },
            Ok(id) => {
                CHILDREN[n].store(id, Ordering::Relaxed);
                n += 1;
            }
            Err(e) => break e,
        }
    };
    cprintf!(
        "forkbomb: fork failed with <%e> after %d children\n",
        err,
        n
    );
    if err != -E_NO_FREE_ENV && err != -E_NO_MEM {
        panic!("fork failed with an unexpected error %d", err);
    }
    for child in CHILDREN[..n].iter() {
        let id = child.load(Ordering::Relaxed);
        if let Err(e) = sys_env_destroy(id) {
            panic!("destroying %08x: %e", id, e);
        }
    }
    cprintf!("forkbomb: destroyed %d children\n", n);
}
