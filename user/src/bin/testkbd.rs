//! testkbd: reads lines from the console (keyboard or serial) with the
//! line editor and prints each back, until end of input (Ctrl-D).
#![no_std]
#![no_main]

use jos::readline::{editor, readline};
use jos::{close, dup, opencons, panic, printf};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // Started by the kernel, we have no fds: open the console as 0 and 1.
    let _ = close(0);
    if opencons() != Ok(0) {
        panic!("opencons did not give fd 0");
    }
    let _ = dup(0, 1);
    // SAFETY: the one call in this program.
    let ed = unsafe { editor() };
    while let Some(line) = readline(b"Type a line: ", ed) {
        printf!("you typed: %s\n", line);
    }
    printf!("(end of input)\n");
}
