//! fairness: two children send to their parent as fast as they can; the
//! parent receives a fixed number of messages and reports how many came
//! from each. A fair scheduler (and a fair IPC wake-up) gives about half
//! to each.
#![no_std]
#![no_main]

use inc::env::EnvId;
use jos::{cprintf, fork, ipc_recv, ipc_send, panic, sys_env_destroy, sys_getenvid};

const MESSAGES: u32 = 200;

fn sender(parent: EnvId) -> ! {
    cprintf!("%x loop sending to %x\n", sys_getenvid(), parent);
    loop {
        ipc_send(parent, 0, None, 0);
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let parent = sys_getenvid();
    let mut children = [0 as EnvId; 2];
    for child in children.iter_mut() {
        *child = match fork() {
            Ok(0) => sender(parent),
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
    }
    let mut counts = [0u32; 2];
    for _ in 0..MESSAGES {
        let mut from = 0;
        if let Err(e) = ipc_recv(Some(&mut from), None, None) {
            panic!("ipc_recv: %e", e);
        }
        if let Some(i) = children.iter().position(|&c| c == from) {
            counts[i] += 1;
        }
    }
    for (child, count) in children.iter().zip(counts) {
        cprintf!("%x recv %d from %x\n", parent, count, *child);
        let _ = sys_env_destroy(*child);
    }
}
