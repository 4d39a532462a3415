//! benchwall: wall-clock throughput, for runs without `-icount` (`make
//! bench WALL=1`): system calls per second and forks per second, with four
//! worker envs at once, each measured over one second of `sys_time_msec`.
//!
//! The workers and the parent share one PTE_SHARE page of counters (fork
//! keeps such pages shared), so the figures add up what every CPU did.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use inc::env::ENV_FREE;
use inc::mmu::{PTE_P, PTE_SHARE, PTE_U, PTE_W};
use jos::libmain::env_by_id;
use jos::{cprintf, exit, fork, panic, sys_getenvid, sys_page_alloc, sys_time_msec, sys_yield};

const WORKERS: usize = 4;
const MEASURE_MS: u32 = 1000;
/// The shared page of counters.
const SHARED: u32 = 0x0F00_0000;

// The phases, in order (0: the workers wait); each ends with the next.
const PHASE_SYSCALLS: u32 = 1;
const PHASE_FORKS: u32 = 2;

/// Word 0: the phase; word 1: forks done; words 2..: calls per worker.
fn word(i: usize) -> &'static AtomicU32 {
    // SAFETY: the page at SHARED is mapped before any worker starts and
    // stays mapped in every env; it is only ever accessed atomically.
    unsafe { AtomicU32::from_ptr((SHARED as *mut u32).add(i)) }
}

fn phase() -> u32 {
    word(0).load(Ordering::Relaxed)
}

fn wait_for(p: u32) {
    while phase() < p {
        sys_yield();
    }
}

fn worker(n: usize) -> ! {
    wait_for(PHASE_SYSCALLS);
    while phase() == PHASE_SYSCALLS {
        for _ in 0..64 {
            sys_getenvid();
        }
        word(2 + n).fetch_add(64, Ordering::Relaxed);
    }
    wait_for(PHASE_FORKS);
    while phase() == PHASE_FORKS {
        let child = match fork() {
            Ok(0) => exit(),
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
        while env_by_id(child).is_some_and(|e| e.env_status != ENV_FREE) {
            sys_yield();
        }
        word(1).fetch_add(1, Ordering::Relaxed);
    }
    exit();
}

/// Runs phase `p` for MEASURE_MS; returns the milliseconds it took.
fn run_phase(p: u32) -> u32 {
    let start = sys_time_msec();
    word(0).store(p, Ordering::Relaxed);
    while sys_time_msec().wrapping_sub(start) < MEASURE_MS {
        sys_yield();
    }
    word(0).store(p + 1, Ordering::Relaxed);
    sys_time_msec().wrapping_sub(start).max(1)
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    // SAFETY: SHARED is unused; it is only reached through `word`.
    if let Err(e) = unsafe { sys_page_alloc(0, SHARED, PTE_P | PTE_U | PTE_W | PTE_SHARE) } {
        panic!("sys_page_alloc: %e", e);
    }
    let mut workers = [0; WORKERS];
    for (n, w) in workers.iter_mut().enumerate() {
        *w = match fork() {
            Ok(0) => worker(n),
            Ok(id) => id,
            Err(e) => panic!("fork: %e", e),
        };
    }
    let ms = run_phase(PHASE_SYSCALLS);
    let calls: u64 = (0..WORKERS)
        .map(|n| u64::from(word(2 + n).load(Ordering::Relaxed)))
        .sum();
    let ms_forks = run_phase(PHASE_FORKS);
    let forks = u64::from(word(1).load(Ordering::Relaxed));
    cprintf!(
        "BENCH syscalls_per_s %llu per_s\n",
        calls * 1000 / u64::from(ms)
    );
    cprintf!(
        "BENCH forks_per_s %llu per_s\n",
        forks * 1000 / u64::from(ms_forks)
    );
    // Let the workers finish their last fork and leave.
    for w in workers {
        while env_by_id(w).is_some_and(|e| e.env_status != ENV_FREE) {
            sys_yield();
        }
    }
}
