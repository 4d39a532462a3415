//! hello: the first user program.
#![no_std]
#![no_main]

use jos::{cprintf, thisenv};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("hello, world\n");
    cprintf!("i am environment %08x\n", thisenv().env_id);
}
