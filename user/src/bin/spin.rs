//! spin: forks a child that spins forever, lets it run a while, then kills
//! it. Only works if the kernel preempts the spinning child.
#![no_std]
#![no_main]

use jos::{cprintf, fork, panic, sys_env_destroy, sys_yield};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("I am the parent.  Forking the child...\n");
    let child = match fork() {
        Ok(0) => {
            cprintf!("I am the child.  Spinning...\n");
            loop {
                core::hint::spin_loop();
            }
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    cprintf!("I am the parent.  Running the child...\n");
    for _ in 0..8 {
        sys_yield();
    }
    cprintf!("I am the parent.  Killing the child...\n");
    if let Err(e) = sys_env_destroy(child) {
        panic!("sys_env_destroy: %e", e);
    }
}
