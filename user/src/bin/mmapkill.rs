//! mmapkill: clients killed in the middle of a page-in leak nothing and
//! harm no one else's pages.
//!
//! KILLS times, a forked child loops mapping a file MAP_SHARED and
//! MAP_PRIVATE, faulting every page in, storing into each (and into a
//! shared writable mapping), and unmapping; the parent destroys it after a random number of yields, or, half
//! the time, once it is seen blocked in a page-in (its fault handler
//! waiting for FSREQ_MAP's reply). Meanwhile the parent maps the same file itself: its shared
//! mapping must show the file, and a private page it wrote must keep its
//! bytes. The children store the bytes the file already holds, so the file
//! must end as it began. The kernel's free-page count shows any leak.
#![no_std]
#![no_main]

#[path = "../fuzz.rs"]
mod fuzz;
#[path = "../mmapfile.rs"]
mod mmapfile;

use fuzz::Rng;
use inc::env::{envx, ENV_FREE, ENV_NOT_RUNNABLE};
use inc::fs::O_RDWR;
use inc::memlayout::{PGSIZE, UXSTACKTOP};
use jos::mmap::{MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE};
use jos::{cprintf, envs, fork, mmap, munmap, open, panic, remove, sys_env_destroy, sys_yield};
use mmapfile::*;

const KILLS: u32 = 40;
/// Yields to wait for a child to be caught in a page-in.
const PATIENCE: u32 = 5000;
const PAGES: usize = 8;
const LEN: usize = PAGES * PGSIZE as usize;
const PATH: &[u8] = b"/mmapkill";

fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// Stores into a shared writable mapping kept for good, and maps, faults
/// in and unmaps a shared read-only and a private mapping over and over:
/// most of its requests are page-ins (unmapping these writes nothing back).
fn client(fd: i32) -> ! {
    let p = PGSIZE as usize;
    let writable = check(
        mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
        "mmap",
    );
    loop {
        let shared = check(mmap(0, LEN, PROT_READ, MAP_SHARED, fd, 0), "mmap");
        let private = check(
            mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
            "mmap",
        );
        for page in 0..PAGES {
            let i = page * p + 17;
            poke(writable + i, peek(shared + i));
            poke(private + i, 0xEE);
        }
        check(munmap(shared, LEN), "munmap");
        check(munmap(private, LEN), "munmap");
    }
}

/// Whether `child` is blocked in its page-fault handler (its saved esp on
/// the exception stack) waiting for a message: a page-in.
fn in_page_in(child: i32) -> bool {
    let e = envs(envx(child));
    let esp = e.env_tf.esp;
    e.env_status == ENV_NOT_RUNNABLE
        && e.env_ipc_recving
        && (UXSTACKTOP - PGSIZE..UXSTACKTOP).contains(&esp)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    make_file(PATH, LEN, pattern);
    let fd = check(open(PATH, O_RDWR), "open");
    let mine = check(mmap(0, LEN, PROT_READ, MAP_SHARED, fd, 0), "mmap");
    let private = check(
        mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
        "mmap",
    );
    fill_memory(private, LEN, 0x5A);
    let mut rng = Rng(0x4D4D_4150);
    let mut caught = 0;
    for _ in 0..KILLS {
        let child = match fork() {
            Ok(0) => client(fd),
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        fuzz::yield_before_kill(&mut rng, child, PATIENCE, in_page_in);
        if in_page_in(child) {
            caught += 1;
        }
        if let Err(e) = sys_env_destroy(child) {
            panic!("destroy %08x: %e", child, e);
        }
        while envs(envx(child)).env_id == child && envs(envx(child)).env_status != ENV_FREE {
            sys_yield();
        }
    }
    cprintf!(
        "mmapkill: killed %u clients, %u of them in a page-in\n",
        KILLS,
        caught
    );
    let intact = memory_is(mine, LEN, pattern) && memory_is(private, LEN, |_| 0x5A);
    check(munmap(mine, LEN), "munmap");
    check(munmap(private, LEN), "munmap");
    check(jos::close(fd), "close");
    cprintf!(
        "mmapkill: our mappings %s, the file %s\n",
        if intact { "intact" } else { "CHANGED" },
        if file_is(PATH, LEN, pattern) {
            "intact"
        } else {
            "CHANGED"
        }
    );
    check(remove(PATH), "remove");
    check(jos::sync(), "sync");
}
