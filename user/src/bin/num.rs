//! num: copies each file (or fd 0) to fd 1, numbering the lines.
#![no_std]
#![no_main]

use inc::fs::O_RDONLY;
use jos::{close, open, panic, printf, read, write};

/// Numbers lines across all files, as one stream.
struct Numberer {
    line: u32,
    at_start: bool,
}

impl Numberer {
    fn copy(&mut self, fd: i32, name: &[u8]) {
        let mut c = [0u8];
        loop {
            match read(fd, &mut c) {
                Ok(0) => return,
                Ok(_) => {
                    if self.at_start {
                        self.line += 1;
                        printf!("%5d ", self.line);
                        self.at_start = false;
                    }
                    if write(1, &c) != Ok(1) {
                        panic!("write error copying %s", name);
                    }
                    self.at_start = c[0] == b'\n';
                }
                Err(e) => panic!("error reading %s: %e", name, e),
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    let mut n = Numberer {
        line: 0,
        at_start: true,
    };
    if args.len() <= 1 {
        n.copy(0, b"<stdin>");
        return;
    }
    for &name in &args.as_slice()[1..] {
        match open(name, O_RDONLY) {
            Ok(fd) => {
                n.copy(fd, name);
                let _ = close(fd);
            }
            Err(e) => panic!("can't open %s: %e", name, e),
        }
    }
}
