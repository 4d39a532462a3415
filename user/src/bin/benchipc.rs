//! benchipc: the round trip of an IPC message between parent and child
//! (parent sends, child echoes back), averaged over many messages: with
//! `ipc_send` + `ipc_recv` (four kernel entries), then with syscall 19's
//! `ipc_send_recv` on both sides (two).
#![no_std]
#![no_main]

use jos::x86::rdtsc;
use jos::{cprintf, fork, ipc_recv, ipc_send, ipc_send_recv, panic, sys_env_destroy};

const ROUNDS: u32 = 1000;
const WARMUP: u32 = 10;

fn recv() -> u32 {
    match ipc_recv(None, None, None) {
        Ok(v) => v,
        Err(e) => panic!("ipc_recv: %e", e),
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let parent = jos::sys_getenvid();
    let child = match fork() {
        Ok(0) => loop {
            let v = recv();
            ipc_send(parent, v, None, 0);
        },
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let mut start = 0;
    for i in 0..WARMUP + ROUNDS {
        if i == WARMUP {
            start = rdtsc();
        }
        ipc_send(child, i, None, 0);
        if recv() != i {
            panic!("child echoed the wrong value");
        }
    }
    let per_round = (rdtsc() - start) / u64::from(ROUNDS);
    cprintf!("BENCH ipc_roundtrip %llu insns\n", per_round);
    let _ = sys_env_destroy(child);

    let server = match fork() {
        Ok(0) => {
            let mut v = recv();
            loop {
                v = match ipc_send_recv(parent, v, None, 0, None, None, None) {
                    Ok(v) => v,
                    Err(e) => panic!("server: ipc_send_recv: %e", e),
                };
            }
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    for i in 0..WARMUP + ROUNDS {
        if i == WARMUP {
            start = rdtsc();
        }
        if ipc_send_recv(server, i, None, 0, None, None, None) != Ok(i) {
            panic!("server echoed the wrong value");
        }
    }
    let per_round = (rdtsc() - start) / u64::from(ROUNDS);
    cprintf!("BENCH ipc_send_recv_roundtrip %llu insns\n", per_round);
    let _ = sys_env_destroy(server);
}
