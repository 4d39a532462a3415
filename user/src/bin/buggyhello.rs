//! buggyhello: hands the kernel a bad pointer (address 1) to print; the kernel
//! must catch it with user_mem_check and destroy us.
#![no_std]
#![no_main]

use jos::sys_cputs;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // Address 1 on purpose: the page at 0 is never mapped.
    sys_cputs(core::ptr::without_provenance(1), 1);
}
