//! benchdemand: the cost of a demand-paged text fault (issue 9 item 5), in
//! guest instructions under `make bench`'s -icount: a first call into a
//! page of `/bigtext`'s lazy text, the page-in from the file server
//! included. The first run finds the blocks on the disk only; the second,
//! another copy of the program, finds them in the server's cache.
#![no_std]
#![no_main]

use jos::{cprintf, panic, spawnl, wait};

fn run(name: &[u8]) {
    match spawnl!(b"/bigtext", b"bigtext", b"bench", name) {
        Ok(id) => wait(id),
        Err(e) => panic!("spawn /bigtext: %e", e),
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    run(b"demand_text_fault_uncached");
    run(b"demand_text_fault_cached");
    cprintf!("benchdemand: both copies ran their pages\n");
}
