//! spawnnotexec: spawning a file that is not a program (/motd) and one
//! that does not exist must fail cleanly, creating nothing.
#![no_std]
#![no_main]

use jos::{cprintf, panic, spawnl};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    match spawnl!(b"/motd", b"motd") {
        Err(e) => cprintf!("spawnnotexec: spawn /motd: %e\n", e),
        Ok(id) => panic!("spawn /motd made env %08x", id),
    };
    match spawnl!(b"/no-such-program", b"x") {
        Err(e) => cprintf!("spawnnotexec: spawn /no-such-program: %e\n", e),
        Ok(id) => panic!("spawn /no-such-program made env %08x", id),
    };
}
