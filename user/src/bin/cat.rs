//! cat: copies each named file (or fd 0) to fd 1.
#![no_std]
#![no_main]

use inc::fs::O_RDONLY;
use jos::{close, open, panic, printf, read, write};

fn copy(fd: i32, name: &[u8]) {
    let mut buf = [0u8; 512];
    loop {
        match read(fd, &mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if write(1, &buf[..n]) != Ok(n) {
                    panic!("write error copying %s", name);
                }
            }
            Err(e) => panic!("error reading %s: %e", name, e),
        }
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    if args.len() <= 1 {
        copy(0, b"<stdin>");
        return;
    }
    for &name in &args.as_slice()[1..] {
        match open(name, O_RDONLY) {
            Ok(fd) => {
                copy(fd, name);
                let _ = close(fd);
            }
            Err(e) => {
                printf!("can't open %s: %e\n", name, e);
            }
        }
    }
}
