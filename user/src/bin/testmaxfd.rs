//! testmaxfd: opens the console until the fd table is full: exactly MAXFD
//! fds, then -E_MAX_OPEN; a pipe then fails cleanly too; after closing
//! everything the table is empty again (and no page is lost).
#![no_std]
#![no_main]

use inc::error::E_MAX_OPEN;
use inc::fd::MAXFD;
use jos::{close, close_all, cprintf, opencons, panic, pipe};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut opened = 0;
    let err = loop {
        match opencons() {
            Ok(fd) if fd == opened => opened += 1,
            Ok(fd) => panic!("opencons gave fd %d, expected %d", fd, opened),
            Err(e) => break e,
        }
    };
    cprintf!("testmaxfd: %d fds open, then: %e\n", opened, err);
    if opened as usize != MAXFD || err != -E_MAX_OPEN {
        panic!("expected %d fds and then -E_MAX_OPEN", MAXFD);
    }
    let _ = close(5);
    match pipe() {
        Err(e) => {
            cprintf!("testmaxfd: pipe with one free fd: %e\n", e);
        }
        Ok(_) => panic!("a pipe needs two free fds"),
    }
    if opencons() != Ok(5) {
        panic!("the pipe did not give back fd 5");
    }
    close_all();
    if opencons() != Ok(0) {
        panic!("close_all left fds open");
    }
    cprintf!("testmaxfd: done\n");
}
