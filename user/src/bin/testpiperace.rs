//! testpiperace: the parent dups its read end over fd 10 again and again
//! (each dup first closes fd 10) while the child, which holds the read end
//! and shares the write end, asks whether the pipe is closed. It never is:
//! dup maps the data page before the fd page, close unmaps it after.
#![no_std]
#![no_main]

use inc::env::{envx, ENV_FREE, ENV_NOT_RUNNABLE};
use jos::{cprintf, dup, envs, fork, panic, pipe, pipeisclosed, sys_env_destroy, sys_yield};

const CHECKS: u32 = 200;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let p = pipe().unwrap_or_else(|e| panic!("pipe: %e", e));
    let child = match fork() {
        Ok(0) => {
            for _ in 0..CHECKS {
                if pipeisclosed(p[0]) == Ok(true) {
                    cprintf!("testpiperace: RACE: the pipe looked closed\n");
                    jos::exit();
                }
                sys_yield();
            }
            // Stop being runnable without exiting (which would close fds).
            let _ = jos::ipc_recv(None, None, None);
            jos::exit();
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let mut dups = 0u32;
    loop {
        let st = envs(envx(child)).env_status;
        if st == ENV_NOT_RUNNABLE || st == ENV_FREE {
            break;
        }
        if let Err(e) = dup(p[0], 10) {
            panic!("dup: %e", e);
        }
        dups += 1;
    }
    if pipeisclosed(p[0]) != Ok(false) {
        panic!("the pipe looks closed at the end");
    }
    cprintf!(
        "testpiperace: child done with its checks (%s dups)\n",
        if dups > 0 { "some" } else { "no" }
    );
    let _ = sys_env_destroy(child);
    cprintf!("testpiperace: no race seen\n");
}
