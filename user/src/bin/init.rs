//! init: checks that spawn loaded its data and bss and passed its
//! arguments, opens the console as fds 0 and 1, and runs the shell,
//! starting a new one whenever it exits.
#![no_std]
#![no_main]

use jos::{close, cprintf, dup, opencons, panic, snprintf, spawnl, wait};

/// Initialized data: the loader must copy it from the file.
static DATA: [u32; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
/// Uninitialized data: the loader must zero it.
static mut BSS: [u8; 6000] = [0; 6000];

fn sum(bytes: impl Iterator<Item = u32>) -> u32 {
    bytes.fold(0, |a, b| a.wrapping_mul(31).wrapping_add(b))
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    cprintf!("init: running\n");
    let want = sum((1..=8).map(|i| i as u32));
    // SAFETY: DATA is read through a volatile pointer so the check is real.
    let got = sum((0..8).map(|i| unsafe { core::ptr::read_volatile(&DATA[i]) }));
    if got == want {
        cprintf!("init: data seems okay\n");
    } else {
        cprintf!(
            "init: data is not initialized: got sum %08x wanted %08x\n",
            got,
            want
        );
    }
    let bss = core::ptr::addr_of!(BSS) as *const u8;
    // SAFETY: BSS is only read, byte by byte through a raw pointer.
    if (0..6000).all(|i| unsafe { core::ptr::read_volatile(bss.add(i)) } == 0) {
        cprintf!("init: bss seems okay\n");
    } else {
        cprintf!("init: bss is not initialized\n");
    }
    let args = jos::args();
    // One line, printed at once, so other envs' output cannot split it.
    let mut line = [0u8; 256];
    let mut n = snprintf!(&mut line, "init: args:");
    for a in args.as_slice() {
        n += snprintf!(&mut line[n..], " '%s'", *a);
    }
    cprintf!("%s\n", &line[..n]);

    cprintf!("init: running sh\n");
    let _ = close(0);
    match opencons() {
        Ok(0) => {}
        Ok(fd) => panic!("opencons: got fd %d, not 0", fd),
        Err(e) => panic!("opencons: %e", e),
    }
    if let Err(e) = dup(0, 1) {
        panic!("dup: %e", e);
    }
    loop {
        cprintf!("init: starting sh\n");
        match spawnl!(b"/sh", b"sh") {
            Ok(sh) => wait(sh),
            Err(e) => {
                cprintf!("init: spawn sh: %e\n", e);
                return;
            }
        }
    }
}
