//! pt-grow-stack (after Pintos): a function with a 16 KB local array runs
//! below the one stack page the kernel maps; the library grows the stack
//! on the first touch of each new page.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::hint::black_box;
use jos::cprintf;
use jos::vmmap::unreferenced_frames;
use vmtest::stack_pages;

#[inline(never)]
fn checksum_of_big_local() -> u32 {
    let mut buf = [0u8; 16 << 10];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i as u8) ^ 0x5a;
    }
    let buf = black_box(&buf);
    buf.iter().fold(0u32, hash)
}

fn hash(sum: u32, b: &u8) -> u32 {
    sum.wrapping_mul(31).wrapping_add(*b as u32)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (pages0, free0) = (stack_pages(), unreferenced_frames());
    let sum = checksum_of_big_local();
    let expect = (0..16usize << 10)
        .map(|i| (i as u8) ^ 0x5a)
        .fold(0, |s, b| hash(s, &b));
    let grown = stack_pages() - pages0;
    cprintf!(
        "pt-grow-stack: 16 KB local array summed %s, the stack grew from %u to %u pages\n",
        if sum == expect { "right" } else { "WRONG" },
        pages0,
        pages0 + grown
    );
    cprintf!(
        "pt-grow-stack: %u new stack pages used %u frames\n",
        grown,
        free0 - unreferenced_frames()
    );
}
