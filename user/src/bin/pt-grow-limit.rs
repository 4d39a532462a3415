//! pt-grow-limit: recursion with 4 KB frames grows the stack to its 1 MB
//! limit and past it; the library reports a stack overflow and the kernel
//! destroys us. Every stack page comes back.
#![no_std]
#![no_main]

use core::hint::black_box;
use jos::cprintf;

#[inline(never)]
fn recurse(depth: u32) -> u32 {
    let mut frame = [0u8; 4096];
    frame[0] = depth as u8;
    let frame = black_box(&mut frame);
    if depth > 1 << 20 {
        return 0;
    }
    recurse(depth + 1).wrapping_add(frame[0] as u32)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("pt-grow-limit: recursing with 4 KB frames\n");
    let r = recurse(0);
    cprintf!("pt-grow-limit: still alive, %u\n", r);
}
