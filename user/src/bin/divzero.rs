//! divzero: divides by zero; the kernel must catch the divide error.
#![no_std]
#![no_main]

use core::arch::asm;
use jos::cprintf;

/// `dividend / divisor` with a real `idiv`, so a zero divisor traps
/// (Rust would otherwise panic before dividing).
fn idiv(dividend: i32, divisor: i32) -> i32 {
    let quotient: i32;
    // SAFETY: idiv only computes; a zero divisor raises #DE, which the
    // kernel handles by destroying us — the point of this program.
    unsafe {
        asm!(
            "cdq",
            "idiv {divisor}",
            divisor = in(reg) divisor,
            inout("eax") dividend => quotient,
            out("edx") _,
        );
    }
    quotient
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let zero = core::hint::black_box(0);
    cprintf!("1/0 is %08x!\n", idiv(1, zero));
}
