//! fpufork: a forked child starts with a copy of its parent's x87
//! registers (exofork copies every register), and from then on each env
//! has its own. The library is built soft-float and never touches the FPU,
//! so what one asm block leaves on the x87 stack is still there in the next.
#![no_std]
#![no_main]

use core::arch::asm;
use jos::{cprintf, fork, panic, sys_yield};

/// An 80-bit extended-precision value: 64-bit mantissa (integer bit set,
/// so it is a normal number), then sign and exponent.
fn extended(mantissa: u64, exponent: u16) -> [u8; 10] {
    let mut v = [0u8; 10];
    v[..8].copy_from_slice(&mantissa.to_le_bytes());
    v[8..].copy_from_slice(&exponent.to_le_bytes());
    v
}

fn x87_push(v: &[u8; 10]) {
    // SAFETY: fldt reads the 10 bytes of `v`; nothing else uses the x87 stack.
    unsafe { asm!("fldt ({})", in(reg) v, options(att_syntax, nostack, readonly)) };
}

fn x87_pop() -> [u8; 10] {
    let mut v = [0u8; 10];
    // SAFETY: fstpt writes the 10 bytes of `v`.
    unsafe { asm!("fstpt ({})", in(reg) &mut v, options(att_syntax, nostack)) };
    v
}

fn x87_control_word() -> u16 {
    let mut cw = 0u16;
    // SAFETY: fnstcw writes the 2 bytes of `cw`.
    unsafe { asm!("fnstcw ({})", in(reg) &mut cw, options(att_syntax, nostack)) };
    cw
}

fn set_x87_control_word(cw: u16) {
    // SAFETY: fldcw reads the 2 bytes of `cw`; the new word masks every exception.
    unsafe { asm!("fldcw ({})", in(reg) &cw, options(att_syntax, nostack, readonly)) };
}

/// Round toward zero, every exception masked.
const PARENT_CW: u16 = 0x0C7F;

fn yield_a_while() {
    for _ in 0..20 {
        sys_yield();
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let parent_value = extended(0xC000_0000_0000_1234, 0x4000);
    let child_value = extended(0xA000_0000_0000_5678, 0x4001);
    set_x87_control_word(PARENT_CW);
    x87_push(&parent_value);
    match fork() {
        Err(e) => panic!("fpufork: fork failed: %e", e),
        Ok(0) => {
            let cw = x87_control_word();
            let inherited = x87_pop() == parent_value && cw == PARENT_CW;
            cprintf!(
                "fpufork: child %s its parent's x87 registers\n",
                if inherited {
                    "inherited"
                } else {
                    "did NOT inherit"
                }
            );
            x87_push(&child_value);
            yield_a_while();
            let kept = x87_pop() == child_value;
            cprintf!(
                "fpufork: child %s its own value\n",
                if kept { "kept" } else { "LOST" }
            );
        }
        Ok(_) => {
            yield_a_while();
            let kept = x87_pop() == parent_value && x87_control_word() == PARENT_CW;
            cprintf!(
                "fpufork: parent %s its own value\n",
                if kept { "kept" } else { "LOST" }
            );
        }
    }
}
