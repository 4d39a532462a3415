//! testfdsharing: a forked child shares our open file, offset included: it
//! reads from where we seeked, seeks back, and we see its seek.
#![no_std]
#![no_main]

use inc::fs::O_RDONLY;
use jos::{cprintf, fork, open, panic, readn, seek, wait};

fn offset(fd: i32) -> i32 {
    jos::fd::fd_lookup(fd).map_or(-1, |f| f.offset())
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let fd = open(b"/motd", O_RDONLY).unwrap_or_else(|e| panic!("open /motd: %e", e));
    let _ = seek(fd, 0);
    let mut first = [0u8; 512];
    let n = readn(fd, &mut first).unwrap_or_else(|e| panic!("readn: %e", e));
    if n == 0 {
        panic!("/motd is empty");
    }
    let _ = seek(fd, 0);
    match fork() {
        Ok(0) => {
            let _ = seek(fd, 0);
            cprintf!("going to read in child (might page fault if your sharing is buggy)\n");
            let mut again = [0u8; 512];
            if readn(fd, &mut again) != Ok(n) || again[..n] != first[..n] {
                panic!("read in child got different data");
            }
            cprintf!("read in child succeeded\n");
            let _ = seek(fd, 0);
            jos::exit();
        }
        Ok(child) => wait(child),
        Err(e) => panic!("fork: %e", e),
    }
    if offset(fd) != 0 {
        panic!("the child's seek did not reach us (offset %d)", offset(fd));
    }
    let mut again = [0u8; 512];
    if readn(fd, &mut again) != Ok(n) || again[..n] != first[..n] {
        panic!("read in parent got different data");
    }
    cprintf!("read in parent succeeded\n");
}
