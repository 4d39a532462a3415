//! primespipe: the prime sieve with pipes. Each stage reads numbers from
//! its left pipe; the first is a prime, which it prints; it then forks the
//! next stage behind a new pipe and passes on what its prime does not
//! divide. The generator stops after LIMIT, so every stage sees end of file,
//! waits for the stage after it and exits: the run ends on its own.
#![no_std]
#![no_main]

use jos::{close, cprintf, fork, panic, pipe, readn, wait, write};

const LIMIT: u32 = 1000;

fn read_number(fd: i32) -> Option<u32> {
    let mut b = [0u8; 4];
    match readn(fd, &mut b) {
        Ok(4) => Some(u32::from_le_bytes(b)),
        Ok(0) => None,
        Ok(n) => panic!("short read of %d bytes", n),
        Err(e) => panic!("read: %e", e),
    }
}

fn write_number(fd: i32, n: u32) {
    if write(fd, &n.to_le_bytes()) != Ok(4) {
        panic!("write of %d failed", n);
    }
}

/// A new pipe and the process that will read it. In the child: `Ok(read
/// end)`, with the write end (else it would never see end of file) and
/// `our_left` closed. In the parent: `Err((write end, child))`.
fn fork_reader(our_left: Option<i32>) -> Result<i32, (i32, i32)> {
    let p = pipe().unwrap_or_else(|e| panic!("pipe: %e", e));
    match fork() {
        Ok(0) => {
            let _ = close(p[1]);
            if let Some(fd) = our_left {
                let _ = close(fd);
            }
            Ok(p[0])
        }
        Ok(id) => {
            let _ = close(p[0]);
            Err((p[1], id))
        }
        Err(e) => panic!("fork: %e", e),
    }
}

/// One stage after another in the same loop: a child becomes the next
/// stage by going round again, so the stack does not grow with the depth.
fn stages(mut left: i32) -> ! {
    loop {
        let Some(prime) = read_number(left) else {
            jos::exit();
        };
        cprintf!("%d\n", prime);
        match fork_reader(Some(left)) {
            Ok(next_left) => left = next_left,
            Err((right, next)) => {
                while let Some(n) = read_number(left) {
                    if n % prime != 0 {
                        write_number(right, n);
                    }
                }
                let _ = close(right);
                wait(next);
                jos::exit()
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (right, first) = match fork_reader(None) {
        Ok(left) => stages(left),
        Err(parent) => parent,
    };
    for n in 2..LIMIT {
        write_number(right, n);
    }
    let _ = close(right);
    wait(first);
    cprintf!("primespipe: done\n");
}
