//! pingpongs: pingpong over `sfork`. Parent and child share every global,
//! so the counter lives in shared memory and the IPC value only says
//! "your turn"; each side checks it sees the other's update.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use inc::env::EnvId;
use jos::{cprintf, ipc_recv, ipc_send, panic, sfork, sys_getenvid, thisenv};

/// Shared by parent and child after `sfork`.
static VAL: AtomicU32 = AtomicU32::new(0);

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut who: EnvId = match sfork() {
        Ok(id) => id,
        Err(e) => panic!("sfork: %e", e),
    };
    if who != 0 {
        cprintf!(
            "i am %08x; thisenv is %08x\n",
            sys_getenvid(),
            thisenv().env_id
        );
        cprintf!("send 0 from %x to %x\n", sys_getenvid(), who);
        ipc_send(who, 0, None, 0);
    }
    loop {
        let turn = match ipc_recv(Some(&mut who), None, None) {
            Ok(v) => v,
            Err(e) => panic!("ipc_recv: %e", e),
        };
        let me = thisenv();
        let val = VAL.load(Ordering::SeqCst);
        cprintf!(
            "%x got %d from %x (thisenv is %08x)\n",
            sys_getenvid(),
            val,
            who,
            me.env_id
        );
        if me.env_id != sys_getenvid() {
            panic!("thisenv is %08x, not %08x", me.env_id, sys_getenvid());
        }
        if turn != val {
            panic!("shared counter is %d but the message says %d", val, turn);
        }
        if val == 10 {
            return;
        }
        VAL.store(val + 1, Ordering::SeqCst);
        ipc_send(who, val + 1, None, 0);
        if val + 1 == 10 {
            return;
        }
    }
}
