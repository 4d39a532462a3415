//! forktree: forks a binary tree of environments three levels deep; each
//! one prints its name, the path of branches ('0'/'1') that led to it.
#![no_std]
#![no_main]

use jos::{cprintf, exit, fork, snprintf, sys_getenvid};

const DEPTH: usize = 3;

/// Forks a child named `cur` + `branch`, which grows its own subtree.
fn forkchild(cur: &[u8], branch: u8) {
    if cur.len() >= DEPTH {
        return;
    }
    let mut name = [0u8; DEPTH + 1];
    let len = snprintf!(&mut name, "%s%c", cur, branch);
    if let Ok(0) = fork() {
        forktree(&name[..len]);
        exit();
    }
}

fn forktree(cur: &[u8]) {
    cprintf!("%04x: I am '%s'\n", sys_getenvid(), cur);
    forkchild(cur, b'0');
    forkchild(cur, b'1');
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    forktree(b"");
}
