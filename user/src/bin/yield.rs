//! yield: prints, then yields the CPU five times, printing each time it
//! gets the CPU back.
#![no_std]
#![no_main]

use jos::{cprintf, sys_yield, thisenv};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("Hello, I am environment %08x.\n", thisenv().env_id);
    for i in 0..5 {
        sys_yield();
        cprintf!(
            "Back in environment %08x, iteration %d.\n",
            thisenv().env_id,
            i
        );
    }
    cprintf!("All done in environment %08x.\n", thisenv().env_id);
}
