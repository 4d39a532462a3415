//! spawninit: starts init with two arguments (init then runs the shell).
#![no_std]
#![no_main]

use jos::{cprintf, panic, spawnl};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("spawninit: spawning init\n");
    if let Err(e) = spawnl!(b"init", b"init", b"one", b"two") {
        panic!("spawn(init) failed: %e", e);
    }
}
