//! pt-grow-stk-sc (after Pintos): a system call whose buffer lies on a
//! stack page not grown yet. The kernel's user_mem_check never faults
//! pages in, it refuses them, so the library must grow first. Its rule:
//! growth maps every page from the fault up to the stack, and a wrapper's
//! call pushes below its buffer, so the buffer is mapped before the kernel
//! looks (and `sys_cputs` prefaults heap and stack pages besides). A child
//! that enters the kernel straight from a fresh frame with `int $0x30`,
//! no push in between, is refused and destroyed.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use core::arch::asm;
use core::mem::MaybeUninit;
use inc::memlayout::{PGSIZE, UVPT};
use inc::mmu::PTE_P;
use inc::syscall::Syscall;
use jos::vmmap::unreferenced_frames;
use jos::{cprintf, exit, fork, panic, sys_cputs};
use vmtest::{stack_pages, wait};

const FRAME: usize = 3 * PGSIZE as usize;

/// Whether `va` (on the stack, whose page table exists) is mapped; read
/// through UVPT inline, without a call that would grow the stack.
#[inline(always)]
fn mapped_inline(va: u32) -> bool {
    // SAFETY: the stack's page table exists, so its entries are readable
    // at UVPT.
    let pte = unsafe { core::ptr::read_volatile((UVPT as *const u32).add((va >> 12) as usize)) };
    pte & PTE_P != 0
}

#[inline(never)]
fn cputs_from_fresh_frame() -> (bool, bool) {
    let buf = MaybeUninit::<[u8; FRAME]>::uninit();
    let low = buf.as_ptr() as u32;
    let before = mapped_inline(low);
    // Ungrown memory reads as zeroes: prints nothing, but the kernel
    // checks all 64 bytes.
    sys_cputs(low as *const u8, 64);
    (before, mapped_inline(low))
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let (pages0, free0) = (stack_pages(), unreferenced_frames());
    let (before, after) = cputs_from_fresh_frame();
    let grown = stack_pages() - pages0;
    cprintf!(
        "pt-grow-stk-sc: cputs from a fresh 12 KB frame: buffer mapped before %s, after %s\n",
        if before { "yes" } else { "no" },
        if after { "yes" } else { "no" }
    );
    cprintf!(
        "pt-grow-stk-sc: the stack grew by %u pages, using %u frames\n",
        grown,
        free0 - unreferenced_frames()
    );
    let child = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if child == 0 {
        raw_cputs_below_the_stack();
    }
    wait(child);
    cprintf!("pt-grow-stk-sc: the raw call's child is gone\n");
}

/// `int $0x30` with a buffer in a fresh frame 12 KB below the grown stack.
fn raw_cputs_below_the_stack() -> ! {
    let bottom = inc::memlayout::USTACKTOP - stack_pages() * PGSIZE;
    cprintf!(
        "pt-grow-stk-sc: child: raw cputs from %08x\n",
        bottom - FRAME as u32
    );
    // SAFETY: esp moves down into unmapped stack and back; the kernel
    // destroys us in the call (the point of the test).
    unsafe {
        asm!(
            "mov {saved}, esp",
            "mov esp, {low}",
            "mov edx, esp",
            "int 0x30",
            "mov esp, {saved}",
            saved = out(reg) _,
            low = in(reg) bottom - FRAME as u32,
            inout("eax") Syscall::Cputs as u32 => _,
            inout("ecx") 64u32 => _,
            out("edx") _,
        );
    }
    cprintf!("pt-grow-stk-sc: child: still alive\n");
    exit()
}
