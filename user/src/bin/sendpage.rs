//! sendpage: parent and child send each other a page by IPC, each writing
//! a message into it for the other to read.
#![no_std]
#![no_main]

use inc::mmu::{PTE_P, PTE_U, PTE_W};
use jos::string::cstr_at;
use jos::{cprintf, fork, ipc_recv, ipc_send, panic, sys_page_alloc};

/// Where the parent keeps the page, and where the child receives it.
const TEMP_ADDR: u32 = 0xa0_0000;
const TEMP_ADDR_CHILD: u32 = 0xb0_0000;

const STR1: &[u8] = b"hello child environment! how are you?";
const STR2: &[u8] = b"hello parent environment! I'm good";

/// Copies `msg` and a NUL into the page at `va`.
fn write_message(va: u32, msg: &[u8]) {
    // SAFETY: `va` is a page we own, reached only through raw pointers.
    unsafe {
        core::ptr::copy_nonoverlapping(msg.as_ptr(), va as *mut u8, msg.len());
        core::ptr::write_volatile((va as *mut u8).add(msg.len()), 0);
    }
}

/// Waits for a page at `va` and prints the message in it; true if it is `expected`.
fn receive(va: u32, expected: &[u8]) -> bool {
    let mut from = 0;
    if let Err(e) = ipc_recv(Some(&mut from), Some(va), None) {
        panic!("ipc_recv: %e", e);
    }
    // SAFETY: the sender wrote a NUL-terminated message into the page.
    let msg = unsafe { cstr_at(va) };
    cprintf!("%x got message: %s\n", from, msg);
    msg.starts_with(expected)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let rw = PTE_P | PTE_W | PTE_U;
    let child = match fork() {
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    if child == 0 {
        if receive(TEMP_ADDR_CHILD, STR1) {
            cprintf!("child received correct message\n");
        }
        write_message(TEMP_ADDR_CHILD, STR2);
        let parent = jos::thisenv().env_parent_id;
        ipc_send(parent, 0, Some(TEMP_ADDR_CHILD), rw);
        return;
    }
    // SAFETY: nothing lives at TEMP_ADDR yet.
    if let Err(e) = unsafe { sys_page_alloc(0, TEMP_ADDR, rw) } {
        panic!("sys_page_alloc: %e", e);
    }
    write_message(TEMP_ADDR, STR1);
    ipc_send(child, 0, Some(TEMP_ADDR), rw);
    if receive(TEMP_ADDR, STR2) {
        cprintf!("parent received correct message\n");
    }
}
