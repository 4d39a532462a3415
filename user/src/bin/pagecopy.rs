//! pagecopy: RJOS's page_copy system call (24, issue 11), which the
//! copy-on-write fault uses. The page at a va becomes a private copy of
//! itself: same contents, a new frame, the rights asked for; the frame's
//! other mappings keep the old frame. It works on a child too, and every
//! bad argument is refused without changing anything.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::error::{E_BAD_ENV, E_INVAL};
use inc::memlayout::{PGSIZE, UTOP};
use inc::mmu::{PTE_P, PTE_PWT, PTE_U, PTE_W};
use jos::fork::uvpt;
use jos::{cprintf, exit, fork, ipc_recv, ipc_send, panic, sys_getenvid, sys_page_shared};
use jos::{sys_page_alloc, sys_page_copy, sys_page_map, sys_page_unmap};
use vmtest::{frame, peek, poke};

/// Unused address space for the test pages.
const A: u32 = 0x1000_0000;
const B: u32 = A + PGSIZE;
const UNMAPPED: u32 = A + 5 * PGSIZE;
const RW: u32 = PTE_P | PTE_U | PTE_W;
const WORDS: u32 = PGSIZE / 4;

fn pattern(i: u32) -> u32 {
    i.wrapping_mul(0x9E37_79B9) ^ 0x5A5A
}

/// Whether every word of the page at `va` holds the pattern.
fn holds_pattern(va: u32) -> bool {
    (0..WORDS).all(|i| peek(va + 4 * i) == pattern(i))
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// page_copy's result as a number (0 or a negative error).
fn copy(envid: i32, va: u32, perm: u32) -> i32 {
    // SAFETY: only the test pages (reached through raw pointers) or
    // addresses the kernel must refuse are named.
    unsafe { sys_page_copy(envid, va, perm) }.err().unwrap_or(0)
}

fn child(parent: i32) -> ! {
    let mut from = 0;
    if ipc_recv(Some(&mut from), None, None).is_err() || from != parent {
        panic!("pagecopy: child: no go from the parent");
    }
    let ok = holds_pattern(A) && uvpt(A).is_some_and(|p| p & PTE_W != 0);
    ipc_send(parent, u32::from(ok), None, 0);
    exit();
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: the test pages are unused and reached only through raw pointers.
    unsafe {
        sys_page_alloc(0, A, RW).expect("page_alloc");
        (0..WORDS).for_each(|i| poke(A + 4 * i, pattern(i)));
        sys_page_map(0, A, 0, B, RW).expect("page_map");
    }
    let old = frame(A);
    let rc = copy(0, A, RW);
    let kept = holds_pattern(A);
    let new_frame = frame(A) != old && frame(B) == old;
    poke(A, 0xDEAD_BEEF);
    let b_unchanged = holds_pattern(B);
    cprintf!(
        "pagecopy: copy %d: contents kept %s, a new frame %s, the other mapping unchanged %s\n",
        rc,
        yes(kept),
        yes(new_frame),
        yes(b_unchanged)
    );

    let rc = copy(0, B, PTE_P | PTE_U);
    let read_only = uvpt(B).is_some_and(|p| p & PTE_W == 0);
    cprintf!(
        "pagecopy: read-only copy %d: contents kept %s, read-only %s\n",
        rc,
        yes(holds_pattern(B)),
        yes(read_only)
    );

    let before = (frame(A), frame(B));
    let errors = [
        copy(0, A + 4, RW),
        copy(0, UTOP, PTE_P | PTE_U),
        copy(0, UNMAPPED, RW),
        copy(0, A, PTE_P | PTE_W),
        copy(0, A, RW | PTE_PWT),
        copy(sys_getenvid() + 1, A, RW),
    ];
    let want = [-E_INVAL, -E_INVAL, -E_INVAL, -E_INVAL, -E_INVAL, -E_BAD_ENV];
    cprintf!(
        "pagecopy: unaligned %e, UTOP %e, unmapped %e, no PTE_U %e, PWT %e, not a child %e\n",
        errors[0],
        errors[1],
        errors[2],
        errors[3],
        errors[4],
        errors[5]
    );
    cprintf!(
        "pagecopy: every error as expected %s, nothing changed %s\n",
        yes(errors == want),
        yes((frame(A), frame(B)) == before && uvpt(UNMAPPED).is_none())
    );

    // A child's page: fork shares our frame copy-on-write; page_copy gives
    // the child its own, writable, before it runs.
    // SAFETY: B is not needed any more; nothing refers to it.
    unsafe { sys_page_unmap(0, B).expect("page_unmap") };
    (0..WORDS).for_each(|i| poke(A + 4 * i, pattern(i)));
    let parent = sys_getenvid();
    let id = match fork() {
        Ok(0) => child(parent),
        Ok(id) => id,
        Err(e) => panic!("fork: %e", e),
    };
    let shared_before = sys_page_shared(id, A, A) == Ok(true);
    let rc = copy(id, A, RW);
    let shared_after = sys_page_shared(id, A, A) == Ok(true);
    ipc_send(id, 0, None, 0);
    let child_ok = ipc_recv(None, None, None) == Ok(1);
    cprintf!(
        "pagecopy: child's page: shared before %s, copy %d, shared after %s, child sees its contents writable %s\n",
        yes(shared_before),
        rc,
        yes(shared_after),
        yes(child_ok)
    );
    // SAFETY: as above.
    unsafe { sys_page_unmap(0, A).expect("page_unmap") };
}
