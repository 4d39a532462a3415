//! testpteshare: a page mapped with PTE_SHARE stays shared across fork and
//! spawn: what the child writes there, the parent reads.
#![no_std]
#![no_main]

use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};
use jos::{cprintf, fork, panic, spawnl, sys_page_alloc, wait};

const SHARED: u32 = 0xA000_0000;
const FROM_FORK: &[u8] = b"hello from the forked child\0";
const FROM_SPAWN: &[u8] = b"hello from the spawned child\0";

fn put(msg: &[u8]) {
    // SAFETY: SHARED is mapped writable (by the parent before fork/spawn)
    // and only reached through raw pointers.
    unsafe { core::ptr::copy_nonoverlapping(msg.as_ptr(), SHARED as *mut u8, msg.len()) };
}

fn holds(msg: &[u8]) -> bool {
    // SAFETY: as in `put`; the bytes are read volatile, the child wrote them.
    (0..msg.len())
        .all(|i| unsafe { core::ptr::read_volatile((SHARED as *const u8).add(i)) } == msg[i])
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    if args.len() > 1 {
        // We are the spawned child: the page came with us.
        put(FROM_SPAWN);
        return;
    }
    // SAFETY: SHARED is unused in this program.
    if let Err(e) = unsafe { sys_page_alloc(0, SHARED, PTE_P | PTE_U | PTE_W | PTE_SHARE) } {
        panic!("sys_page_alloc: %e", e);
    }
    match fork() {
        Ok(0) => {
            put(FROM_FORK);
            jos::exit();
        }
        Ok(child) => wait(child),
        Err(e) => panic!("fork: %e", e),
    }
    cprintf!(
        "fork handles PTE_SHARE %s\n",
        if holds(FROM_FORK) { "right" } else { "wrong" }
    );
    match spawnl!(b"testpteshare", b"testpteshare", b"arg") {
        Ok(child) => wait(child),
        Err(e) => panic!("spawn: %e", e),
    }
    cprintf!(
        "spawn handles PTE_SHARE %s\n",
        if holds(FROM_SPAWN) { "right" } else { "wrong" }
    );
}
