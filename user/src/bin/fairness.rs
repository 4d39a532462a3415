//! fairness: two children send to their parent as fast as they can; the
//! parent receives a fixed number of messages and checks that each sender
//! got its share. Blocking `ipc_send` queues senders first come, first
//! served, and the scheduler runs both children in turn, so neither may be
//! starved: each must deliver at least a quarter of the messages.
#![no_std]
#![no_main]

use inc::env::EnvId;
use jos::{cprintf, fork, ipc_recv, ipc_send, panic, sys_env_destroy, sys_getenvid};

const MESSAGES: u32 = 200;
/// The least a fair run gives each of the two senders.
const FAIR_SHARE: u32 = MESSAGES / 4;

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
        match children.iter().position(|&c| c == from) {
            Some(i) => counts[i] += 1,
            None => panic!("message from %08x, not one of my children", from),
        }
    }
    for (child, count) in children.iter().zip(counts) {
        cprintf!("%x recv %d from %x\n", parent, count, *child);
        let _ = sys_env_destroy(*child);
    }
    if counts.iter().all(|&n| n >= FAIR_SHARE) {
        cprintf!(
            "fairness: each sender got at least %d of %d\n",
            FAIR_SHARE,
            MESSAGES
        );
    } else {
        cprintf!(
            "fairness: UNFAIR, a sender got fewer than %d of %d\n",
            FAIR_SHARE,
            MESSAGES
        );
    }
}
