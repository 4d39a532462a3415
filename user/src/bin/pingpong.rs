//! pingpong: parent and child pass a counter back and forth by IPC,
//! each adding one, until it reaches 10.
#![no_std]
#![no_main]

use jos::{cprintf, fork, ipc_recv, ipc_send, panic, sys_getenvid};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut who = match fork() {
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    if who != 0 {
        // The parent serves first.
        cprintf!("send 0 from %x to %x\n", sys_getenvid(), who);
        ipc_send(who, 0, None, 0);
    }
    loop {
        let i = match ipc_recv(Some(&mut who), None, None) {
            Ok(v) => v,
            Err(e) => panic!("ipc_recv: %e", e),
        };
        cprintf!("%x got %d from %x\n", sys_getenvid(), i, who);
        if i == 10 {
            return;
        }
        ipc_send(who, i + 1, None, 0);
        if i + 1 == 10 {
            return;
        }
    }
}
