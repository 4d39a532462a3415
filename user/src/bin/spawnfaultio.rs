//! spawnfaultio: spawns `faultio`, which must trap on its `outb` (only the
//! file server has I/O privilege).
#![no_std]
#![no_main]

use jos::{cprintf, panic, spawnl, thisenv};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("i am parent environment %08x\n", thisenv().env_id);
    if let Err(e) = spawnl!(b"faultio", b"faultio") {
        panic!("spawn(faultio) failed: %e", e);
    }
}
