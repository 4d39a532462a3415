//! lsfd: lists this program's open fds (inherited from whoever started
//! it): on the console, or on fd 1 with `-1`.
#![no_std]
#![no_main]

use inc::fd::MAXFD;
use jos::argv::parse_flags;
use jos::{cprintf, fprintf, fstat};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    let (flags, _) = parse_flags(args.as_slice().get(1..).unwrap_or(&[]));
    for fd in 0..MAXFD as i32 {
        let Ok(st) = fstat(fd) else { continue };
        let dev = jos::fd::dev_lookup(st.st_dev).map_or("?", |d| d.name);
        let (name, isdir, size) = (st.name(), st.st_isdir as i32, st.st_size);
        if flags.has(b'1') {
            fprintf!(
                1,
                "fd %d: name %s isdir %d size %d dev %s\n",
                fd,
                name,
                isdir,
                size,
                dev
            );
        } else {
            cprintf!(
                "fd %d: name %s isdir %d size %d dev %s\n",
                fd,
                name,
                isdir,
                size,
                dev
            );
        }
    }
}
