//! cputsunmapped: asks the kernel to print from an address nothing maps.
//! The kernel must destroy us, naming 0x10000000.
#![no_std]
#![no_main]

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    jos::sys_cputs(core::ptr::without_provenance(0x1000_0000), 16);
    jos::cprintf!("cputsunmapped: still alive\n");
}
