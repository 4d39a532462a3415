//! settfbad: hands env_set_trapframe a frame that starts at the top of our
//! stack page and runs into the guard page above it. The kernel must
//! destroy us, naming the guard page's first byte (USTACKTOP), and must not
//! install half a frame.
#![no_std]
#![no_main]

use inc::memlayout::USTACKTOP;
use inc::syscall::Syscall;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let tf = USTACKTOP - 32; // a Trapframe is 68 bytes
                             // SAFETY: the kernel must refuse this frame; were it accepted, we would
                             // continue wherever its (zero) eip says and fault.
    unsafe { jos::syscall_int30(Syscall::EnvSetTrapframe as u32, 0, tf, 0, 0, 0) };
    jos::cprintf!("settfbad: still alive\n");
}
