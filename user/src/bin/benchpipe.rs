//! benchpipe: the round trip of one byte through two pipes between parent
//! and child (parent writes, child echoes it back), averaged.
#![no_std]
#![no_main]

use jos::x86::rdtsc;
use jos::{close, cprintf, fork, panic, pipe, read, wait, write};

const ROUNDS: u32 = 200;
const WARMUP: u32 = 10;

fn pipe_or_die() -> [i32; 2] {
    pipe().unwrap_or_else(|e| panic!("pipe: %e", e))
}

fn byte(fd: i32) -> Option<u8> {
    let mut b = [0u8];
    (read(fd, &mut b) == Ok(1)).then_some(b[0])
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let down = pipe_or_die();
    let up = pipe_or_die();
    let child = match fork() {
        Ok(0) => {
            let _ = close(down[1]);
            let _ = close(up[0]);
            while let Some(b) = byte(down[0]) {
                let _ = write(up[1], &[b]);
            }
            jos::exit();
        }
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let _ = close(down[0]);
    let _ = close(up[1]);
    let mut start = 0;
    for i in 0..WARMUP + ROUNDS {
        if i == WARMUP {
            start = rdtsc();
        }
        let _ = write(down[1], &[i as u8]);
        if byte(up[0]) != Some(i as u8) {
            panic!("child echoed the wrong byte");
        }
    }
    let per_round = (rdtsc() - start) / u64::from(ROUNDS);
    cprintf!("BENCH pipe_roundtrip %llu insns\n", per_round);
    let _ = close(down[1]);
    wait(child);
}
