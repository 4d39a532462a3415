//! testpiperace2: the child dups the read end to fd 10 and closes it again,
//! yielding between the two, while the parent, which holds both ends, keeps
//! asking whether the pipe is closed. It never is: pipeisclosed reads the
//! two reference counts as a consistent pair.
#![no_std]
#![no_main]

use inc::env::{envx, ENV_FREE};
use jos::{close, cprintf, dup, envs, fork, panic, pipe, pipeisclosed, sys_yield};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let p = pipe().unwrap_or_else(|e| panic!("pipe: %e", e));
    let child = match fork() {
        Ok(0) => {
            let _ = close(p[1]);
            for i in 0..200 {
                if i % 50 == 0 {
                    cprintf!("testpiperace2: child at %d\n", i);
                }
                if let Err(e) = dup(p[0], 10) {
                    panic!("dup: %e", e);
                }
                sys_yield();
                let _ = close(10);
                sys_yield();
            }
            jos::exit();
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let mut checks = 0u32;
    loop {
        let e = envs(envx(child));
        if e.env_id != child || e.env_status == ENV_FREE {
            break;
        }
        if pipeisclosed(p[0]) != Ok(false) {
            cprintf!("testpiperace2: RACE: the pipe looked closed\n");
            let _ = jos::sys_env_destroy(child);
            return;
        }
        checks += 1;
    }
    if pipeisclosed(p[0]) != Ok(false) {
        panic!("the pipe looks closed at the end");
    }
    cprintf!(
        "testpiperace2: no race seen in %s checks\n",
        if checks > 100 { "many" } else { "few" }
    );
}
