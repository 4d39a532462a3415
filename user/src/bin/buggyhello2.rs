//! buggyhello2: asks the kernel to print 1 MiB starting at a short string, far
//! past the end of our mapped memory; the kernel must refuse it all.
#![no_std]
#![no_main]

use jos::sys_cputs;

static HELLO: &str = "hello, world";

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    sys_cputs(HELLO.as_ptr(), 1024 * 1024);
}
