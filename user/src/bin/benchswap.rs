//! benchswap: what paging to disk costs (issue 10; docs/swap.md). A child
//! under a quota fills heap pages, then times, per page, the library's
//! page-out of a victim (`swap::evict_one`: the clock's choice, the store's
//! disk write, the unmap) and the page-in of an evicted page on its next
//! touch (the fault, the store's disk read, the page mapped by IPC).
//! Guest instructions under -icount, the FS env's share included.
#![no_std]
#![no_main]

#[path = "../vmtest.rs"]
mod vmtest;

use inc::env::envx;
use inc::memlayout::PGSIZE;
use jos::x86::rdtsc;
use jos::{cprintf, env_mem, envs, exit, fork, ipc_recv, ipc_send, panic, swap};
use jos::{sys_env_set_quota, sys_yield};
use vmtest::{heap_pages, peek, poke, wait};

const ROOM: u32 = 16;
const TIMED: u32 = 8;

fn child() -> ! {
    let _ = ipc_recv(None, None, None);
    let base = heap_pages(2 * ROOM);
    for p in 0..2 * ROOM {
        poke(base + p * PGSIZE, p);
    }
    let start = rdtsc();
    for _ in 0..TIMED {
        swap::evict_one(0).unwrap_or_else(|e| panic!("evict: %e", e));
    }
    let out = (rdtsc() - start) / u64::from(TIMED);
    // The pages evicted last are the oldest ones the hand found: the clock
    // sweeps from the start of the heap. Touch the first TIMED out.
    let victims: [u32; TIMED as usize] = core::array::from_fn(|i| base + i as u32 * PGSIZE);
    let mut n_out = 0u32;
    let start = rdtsc();
    for &va in victims.iter() {
        if swap::paged_out(va) {
            n_out += 1;
            peek(va);
        }
    }
    let ins = (rdtsc() - start) / u64::from(n_out.max(1));
    let right = (0..2 * ROOM).all(|p| peek(base + p * PGSIZE) == p);
    cprintf!("BENCH swap_page_out %llu insns\n", out);
    cprintf!("BENCH swap_page_in %llu insns\n", ins);
    cprintf!(
        "benchswap: %u timed page-ins, contents right: %s\n",
        n_out,
        if right { "yes" } else { "no" }
    );
    exit()
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let kid = fork().unwrap_or_else(|e| panic!("fork: %e", e));
    if kid == 0 {
        child();
    }
    while !envs(envx(kid)).env_ipc_recving {
        sys_yield();
    }
    sys_env_set_quota(kid, env_mem(envx(kid)).em_pages + ROOM)
        .unwrap_or_else(|e| panic!("set_quota: %e", e));
    ipc_send(kid, 0, None, 0);
    wait(kid);
}
