//! cputsedge: asks the kernel to print 32 bytes starting 16 below the top
//! of our stack page, so the range runs into the unmapped guard page. The
//! kernel must destroy us, naming the first byte of that page (USTACKTOP).
#![no_std]
#![no_main]

use inc::memlayout::USTACKTOP;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    jos::sys_cputs(core::ptr::without_provenance((USTACKTOP - 16) as usize), 32);
    jos::cprintf!("cputsedge: still alive\n");
}
