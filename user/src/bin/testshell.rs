//! testshell: runs `sh -x` on /testshell.sh with its output into a pipe,
//! and compares what comes out with /testshell.key byte for byte.
#![no_std]
#![no_main]

use inc::fs::O_RDONLY;
use jos::{close, close_all, cprintf, dup, fork, open, panic, pipe, readn, spawnl, wait};

const SCRIPT: i32 = 20;
const OUT_READ: i32 = 21;
const OUT_WRITE: i32 = 22;

fn move_fd(fd: i32, to: i32) {
    if let Err(e) = dup(fd, to) {
        panic!("dup: %e", e);
    }
    let _ = close(fd);
}

/// In a child: the script as fd 0, the pipe as fd 1, then the shell.
fn run_shell() -> ! {
    move_fd(SCRIPT, 0);
    move_fd(OUT_WRITE, 1);
    let _ = close(OUT_READ);
    let sh = spawnl!(b"/sh", b"sh", b"-x").unwrap_or_else(|e| panic!("spawn sh: %e", e));
    close_all();
    wait(sh);
    jos::exit()
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let script =
        open(b"/testshell.sh", O_RDONLY).unwrap_or_else(|e| panic!("open testshell.sh: %e", e));
    move_fd(script, SCRIPT);
    let p = pipe().unwrap_or_else(|e| panic!("pipe: %e", e));
    move_fd(p[0], OUT_READ);
    move_fd(p[1], OUT_WRITE);
    let child = match fork() {
        Ok(0) => run_shell(),
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let _ = close(SCRIPT);
    let _ = close(OUT_WRITE);
    let key =
        open(b"/testshell.key", O_RDONLY).unwrap_or_else(|e| panic!("open testshell.key: %e", e));
    let (mut got, mut want) = ([0u8; 256], [0u8; 256]);
    let mut at = 0;
    loop {
        let n = readn(OUT_READ, &mut got).unwrap_or_else(|e| panic!("read shell output: %e", e));
        let m = readn(key, &mut want).unwrap_or_else(|e| panic!("read key: %e", e));
        if let Some(i) = (0..n.min(m)).find(|&i| got[i] != want[i]) {
            cprintf!(
                "shell produced incorrect output at byte %d: got '%s', wanted '%s'\n",
                at + i,
                &got[i..n],
                &want[i..m]
            );
            break;
        }
        if n != m {
            cprintf!(
                "shell produced incorrect output: %s ends at byte %d\n",
                if n < m { "the output" } else { "the key" },
                at + n.min(m)
            );
            break;
        }
        if n == 0 {
            cprintf!("shell ran correctly\n");
            break;
        }
        at += n;
    }
    let _ = close(OUT_READ);
    wait(child);
}
