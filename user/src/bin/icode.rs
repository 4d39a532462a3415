//! icode: the first program of a full boot: shows /motd, then spawns init.
#![no_std]
#![no_main]

use inc::fs::O_RDONLY;
use jos::{close, cprintf, open, panic, read, spawnl, sys_cputs};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("icode startup\n");
    cprintf!("icode: open /motd\n");
    let fd = open(b"/motd", O_RDONLY).unwrap_or_else(|e| panic!("icode: open /motd: %e", e));
    cprintf!("icode: read /motd\n");
    let mut buf = [0u8; 512];
    while let Ok(n) = read(fd, &mut buf) {
        if n == 0 {
            break;
        }
        sys_cputs(buf.as_ptr(), n);
    }
    cprintf!("icode: close /motd\n");
    let _ = close(fd);
    cprintf!("icode: spawn /init\n");
    if let Err(e) = spawnl!(b"/init", b"init", b"initarg1", b"initarg2") {
        panic!("icode: spawn /init: %e", e);
    }
    cprintf!("icode: exiting\n");
}
