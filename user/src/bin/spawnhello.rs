//! spawnhello: starts `hello` from the file system.
#![no_std]
#![no_main]

use jos::{cprintf, panic, spawnl, thisenv};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("i am parent environment %08x\n", thisenv().env_id);
    if let Err(e) = spawnl!(b"hello", b"hello") {
        panic!("spawn(hello) failed: %e", e);
    }
}
