//! testbss: checks that a 4 MiB bss array starts zeroed and holds values, then
//! writes past its end, which must fault.
#![no_std]
#![no_main]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use inc::memlayout::PGSIZE;
use jos::{cprintf, panic};

const ARRAYSIZE: usize = 1024 * 1024;

extern "C" {
    /// The end of the program's bss (lib/user.ld).
    static end: u8;
}

/// Lives in .bss: the loader must map and zero all of it.
static mut BIGARRAY: [u32; ARRAYSIZE] = [0; ARRAYSIZE];

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // Volatile accesses through a raw pointer: every element really is
    // read and written, and no reference to the static is ever formed.
    let array = addr_of_mut!(BIGARRAY) as *mut u32;
    cprintf!("Making sure bss works right...\n");
    for i in 0..ARRAYSIZE {
        // SAFETY: i < ARRAYSIZE, inside the array.
        if unsafe { read_volatile(array.add(i)) } != 0 {
            panic!("bigarray[%d] isn't cleared!", i);
        }
    }
    for i in 0..ARRAYSIZE {
        // SAFETY: as above.
        unsafe { write_volatile(array.add(i), i as u32) };
    }
    for i in 0..ARRAYSIZE {
        // SAFETY: as above.
        if unsafe { read_volatile(array.add(i)) } != i as u32 {
            panic!("bigarray[%d] didn't hold its value!", i);
        }
    }
    cprintf!("Yes, good.  Now doing a wild write off the end...\n");
    // Deliberately onto the first page past the end of the program (the
    // linker's `end`), which the loader never maps; the kernel must destroy
    // us there. (Not a fixed distance past the array: other statics, such
    // as the library's page-sized file-server buffer, may follow it.)
    let past_end = (addr_of!(end) as u32).next_multiple_of(PGSIZE) as *mut u32;
    // SAFETY: deliberately unsound: nothing is mapped there, so this traps.
    unsafe { write_volatile(past_end, 0) };
    panic!("SHOULD HAVE TRAPPED!!!");
}
