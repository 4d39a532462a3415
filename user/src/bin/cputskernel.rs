//! cputskernel: asks the kernel to print from a kernel address. The kernel
//! must refuse to read it for us and destroy us, naming 0xf0100000.
#![no_std]
#![no_main]

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    jos::sys_cputs(core::ptr::without_provenance(0xF010_0000), 16);
    jos::cprintf!("cputskernel: still alive\n");
}
