//! writemotd: shows /motd, then overwrites it with /newmotd.
#![no_std]
#![no_main]

use inc::fs::{O_RDONLY, O_RDWR, O_TRUNC};
use jos::{close, open, panic, printf, readn, write};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let new = open(b"/newmotd", O_RDONLY).unwrap_or_else(|e| panic!("open /newmotd: %e", e));
    let mut newbuf = [0u8; 1024];
    let n = readn(new, &mut newbuf).unwrap_or_else(|e| panic!("read /newmotd: %e", e));
    let _ = close(new);
    let motd = open(b"/motd", O_RDWR).unwrap_or_else(|e| panic!("open /motd: %e", e));
    let mut old = [0u8; 1024];
    let m = readn(motd, &mut old).unwrap_or_else(|e| panic!("read /motd: %e", e));
    printf!("OLD MOTD\n===\n%s===\n", &old[..m]);
    let _ = close(motd);
    let motd = open(b"/motd", O_RDWR | O_TRUNC).unwrap_or_else(|e| panic!("open /motd: %e", e));
    if write(motd, &newbuf[..n]) != Ok(n) {
        panic!("write /motd");
    }
    let _ = close(motd);
    printf!("NEW MOTD\n===\n%s===\n", &newbuf[..n]);
}
