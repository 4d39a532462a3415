//! spin: forks a child that spins forever, lets it run a while, then kills
//! it. Only works if the kernel preempts the spinning child. The child
//! says (by IPC) that it has printed before it spins: on several CPUs its
//! CPU may otherwise not have run it yet when the parent's yields are done.
#![no_std]
#![no_main]

use jos::{
    cprintf, envs, fork, ipc_recv, ipc_send, panic, sys_env_destroy, sys_getenvid, sys_yield,
};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("I am the parent.  Forking the child...\n");
    let child = match fork() {
        Ok(0) => {
            cprintf!("I am the child.  Spinning...\n");
            let parent = envs(inc::env::envx(sys_getenvid())).env_parent_id;
            ipc_send(parent, 0, None, 0);
            loop {
                core::hint::spin_loop();
            }
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    cprintf!("I am the parent.  Running the child...\n");
    if let Err(e) = ipc_recv(None, None, None) {
        panic!("ipc_recv: %e", e);
    }
    for _ in 0..8 {
        sys_yield();
    }
    cprintf!("I am the parent.  Killing the child...\n");
    if let Err(e) = sys_env_destroy(child) {
        panic!("sys_env_destroy: %e", e);
    }
}
