//! benchsyscall: the cost of a system call (sys_getenvid) entered with
//! `int $0x30` and with `sysenter`, averaged over many calls.
//!
//! Figures come from the time-stamp counter; under QEMU with
//! `-icount shift=0` it counts guest instructions, hence the unit.
#![no_std]
#![no_main]

use jos::x86::rdtsc;
use jos::{cprintf, sys_getenvid_int30, sys_getenvid_sysenter};

const CALLS: u32 = 1000;

/// Average counter ticks per call of `f`, after a short warm-up.
fn measure(mut f: impl FnMut()) -> u64 {
    for _ in 0..10 {
        f();
    }
    let start = rdtsc();
    for _ in 0..CALLS {
        f();
    }
    (rdtsc() - start) / u64::from(CALLS)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let int30 = measure(|| {
        sys_getenvid_int30();
    });
    cprintf!("BENCH getenvid_int30 %llu insns\n", int30);
    if sys_getenvid_sysenter().is_none() {
        cprintf!("benchsyscall: this CPU has no sysenter\n");
        return;
    }
    let fast = measure(|| {
        sys_getenvid_sysenter();
    });
    cprintf!("BENCH getenvid_sysenter %llu insns\n", fast);
}
