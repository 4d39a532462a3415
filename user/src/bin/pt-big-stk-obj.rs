//! pt-big-stk-obj (after Pintos): a 64 KB object on the stack, written
//! from its low end up, far below the stack's one mapped page.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::hint::black_box;
use jos::cprintf;
use jos::vmmap::unreferenced_frames;
use vmtest::stack_pages;

#[inline(never)]
fn big_object() -> u32 {
    let mut obj = [0u32; (64 << 10) / 4];
    for (i, w) in obj.iter_mut().enumerate() {
        *w = i as u32 * 2654435761;
    }
    let obj = black_box(&obj);
    obj.iter().fold(0u32, |sum, &w| sum.wrapping_add(w))
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (pages0, free0) = (stack_pages(), unreferenced_frames());
    let sum = big_object();
    let expect =
        (0..(64u32 << 10) / 4).fold(0u32, |s, i| s.wrapping_add(i.wrapping_mul(2654435761)));
    let grown = stack_pages() - pages0;
    cprintf!(
        "pt-big-stk-obj: 64 KB object summed %s, the stack grew by %u pages\n",
        if sum == expect { "right" } else { "WRONG" },
        grown
    );
    cprintf!(
        "pt-big-stk-obj: %u new stack pages used %u frames\n",
        grown,
        free0 - unreferenced_frames()
    );
}
