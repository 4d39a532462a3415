//! idle: gives up the CPU until every other env has finished, then exits.
//! Started with other programs (`run=idle,hello`), it shows that
//! `sys_yield` lets them run to their end while it keeps yielding; it gives
//! up, saying so, if they are still there after a bounded number of yields.
#![no_std]
#![no_main]

use inc::env::{ENV_FREE, NENV};
use jos::{cprintf, envs, sys_getenvid, sys_yield};

/// Far more yields than any program run beside idle needs to end.
const MAX_YIELDS: u32 = 100_000;

fn others_alive() -> bool {
    let me = sys_getenvid();
    (0..NENV).any(|i| {
        let e = envs(i);
        e.env_status != ENV_FREE && e.env_id != me
    })
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let mut yields = 0;
    while others_alive() {
        if yields == MAX_YIELDS {
            cprintf!("idle: other envs still alive after %d yields\n", yields);
            return;
        }
        sys_yield();
        yields += 1;
    }
    cprintf!("idle: every other env finished after %d yields\n", yields);
}
