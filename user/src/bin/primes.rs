//! primes: a concurrent prime sieve. Each stage receives numbers from the
//! stage before, prints the first (a prime), forks the next stage and
//! passes on every number its prime does not divide.
#![no_std]
#![no_main]

use inc::env::EnvId;
use jos::{cprintf, fork, ipc_recv, ipc_send, panic, thisenv};

fn recv() -> u32 {
    match ipc_recv(None, None, None) {
        Ok(v) => v,
        Err(e) => panic!("ipc_recv: %e", e),
    }
}

fn fork_or_die() -> EnvId {
    match fork() {
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    }
}

/// One sieve stage; a child that forks becomes the next stage itself.
fn primeproc() -> ! {
    loop {
        let p = recv();
        // No newline: the kernel's "new env" line follows on the same line.
        cprintf!("CPU %d: %d ", thisenv().env_cpunum, p);
        let next = fork_or_die();
        if next == 0 {
            continue; // the child is the next stage
        }
        loop {
            let i = recv();
            if !i.is_multiple_of(p) {
                ipc_send(next, i, None, 0);
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let first = fork_or_die();
    if first == 0 {
        primeproc();
    }
    for i in 2.. {
        ipc_send(first, i, None, 0);
    }
}
