//! Spin locks and the big kernel lock (JOS lab 4).
//!
//! A `Spinlock` knows which CPU holds it, so taking it twice on one CPU (a
//! certain deadlock) and releasing it from a CPU that does not hold it both
//! panic at once with the lock's name. The core operations take the CPU
//! number as an argument so host tests can play several CPUs; the kernel
//! uses the `acquire`/`release` wrappers, which ask the local APIC and keep
//! interrupts off while the lock is held (an interrupt handler taking the
//! same lock on the same CPU would deadlock).
//!
//! In lab 4 one lock, `KERNEL_LOCK`, serialises the whole kernel: taken on
//! every entry from user mode and by each AP before it schedules, released
//! just before returning to user mode or halting.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `holder` when nobody holds the lock.
const NO_CPU: usize = usize::MAX;

pub struct Spinlock {
    locked: AtomicBool,
    /// The CPU holding the lock (meaningful while `locked`).
    holder: AtomicUsize,
    name: &'static str,
    /// Return addresses of the last acquirer's call chain, for debugging.
    #[cfg(target_os = "none")]
    callers: [core::sync::atomic::AtomicU32; NCALLERS],
}

/// How many return addresses `Spinlock` remembers: two name the path into
/// the kernel (every frame walked costs each kernel entry about 20
/// instructions, docs/performance.md).
#[cfg(target_os = "none")]
const NCALLERS: usize = 2;

impl Spinlock {
    pub const fn new(name: &'static str) -> Spinlock {
        Spinlock {
            locked: AtomicBool::new(false),
            holder: AtomicUsize::new(NO_CPU),
            name,
            #[cfg(target_os = "none")]
            callers: [const { core::sync::atomic::AtomicU32::new(0) }; NCALLERS],
        }
    }

    /// Takes the lock for CPU `cpu`, spinning while another CPU holds it.
    /// Panics if `cpu` already holds it.
    pub fn acquire_on(&self, cpu: usize) {
        if self.holding_on(cpu) {
            panic!("CPU {} acquires lock {} it already holds", cpu, self.name);
        }
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Wait with plain reads (and the pause hint) until it looks free.
            while self.locked.load(Ordering::Relaxed) {
                core::hint::spin_loop();
            }
        }
        self.holder.store(cpu, Ordering::Relaxed);
    }

    /// Releases the lock held by CPU `cpu`; panics if `cpu` does not hold it.
    pub fn release_on(&self, cpu: usize) {
        if !self.holding_on(cpu) {
            let holder = self.holder.load(Ordering::Relaxed);
            if self.locked.load(Ordering::Relaxed) && holder != NO_CPU {
                panic!(
                    "CPU {} releases lock {} held by CPU {}",
                    cpu, self.name, holder
                );
            }
            panic!("CPU {} releases lock {}, which is free", cpu, self.name);
        }
        self.holder.store(NO_CPU, Ordering::Relaxed);
        self.locked.store(false, Ordering::Release);
    }

    /// Whether CPU `cpu` holds the lock.
    pub fn holding_on(&self, cpu: usize) -> bool {
        self.locked.load(Ordering::Relaxed) && self.holder.load(Ordering::Relaxed) == cpu
    }
}

/// Whether the 8-byte frame at `ebp` lies inside the mapped part of one of
/// the per-CPU kernel stacks below KSTACKTOP (not in a guard gap). Every
/// lock acquisition asks this up to four times, so it is arithmetic rather
/// than a loop over the CPUs.
pub fn in_percpu_stack(ebp: u32) -> bool {
    use inc::memlayout::{KSTACKTOP, KSTKGAP, KSTKSIZE, NCPU};
    const FRAME: u32 = 8;
    let stride = KSTKSIZE + KSTKGAP;
    // Distance from KSTACKTOP, less the frame: 0 for a frame ending at a
    // stack's top, KSTKSIZE - FRAME for one at its bottom.
    let Some(d) = KSTACKTOP
        .checked_sub(ebp)
        .and_then(|d| d.checked_sub(FRAME))
    else {
        return false;
    };
    (d / stride) < NCPU as u32 && d % stride <= KSTKSIZE - FRAME
}

#[cfg(target_os = "none")]
pub use self::kernel::*;

/// The kernel's side: the running CPU, interrupts, call chains.
#[cfg(target_os = "none")]
mod kernel {
    use super::*;
    // The task register names the CPU in one instruction; the LAPIC would be an
    // MMIO read on every acquire and release (slow under QEMU).
    use crate::cpu::cpu_id as cpunum;
    use core::ptr::addr_of;
    use core::sync::atomic::AtomicU32;
    use inc::memlayout::NCPU;

    impl Spinlock {
        /// Takes the lock for this CPU, with interrupts off until `release`;
        /// returns this CPU's index.
        pub fn acquire(&self) -> usize {
            let cpu = push_cli();
            self.acquire_on(cpu);
            self.record_callers();
            cpu
        }

        /// Releases the lock this CPU, number `cpu` (what `acquire`
        /// returned: interrupts stayed off since), holds.
        pub fn release_on_this(&self, cpu: usize) {
            if !self.holding_on(cpu) {
                self.print_callers();
            }
            self.callers[0].store(0, Ordering::Relaxed);
            self.release_on(cpu);
            pop_cli(cpu);
        }

        /// Remembers the return addresses of acquire's callers, following
        /// the frame-pointer chain while it stays on a kernel stack.
        fn record_callers(&self) {
            let mut ebp = crate::x86::read_ebp();
            for (i, slot) in self.callers.iter().enumerate() {
                // The first frame is the one this code runs in, readable
                // wherever it is: only the ones above it need the test.
                let eip = if i == 0 || on_kernel_stack(ebp) {
                    // SAFETY: ebp is our own frame or points into a kernel
                    // stack (checked above), at a frame laid out as
                    // [saved ebp, return address].
                    let (next, eip) = unsafe {
                        let frame = ebp as *const u32;
                        (frame.read(), frame.add(1).read())
                    };
                    ebp = next;
                    eip
                } else {
                    0
                };
                slot.store(eip, Ordering::Relaxed);
            }
        }

        fn print_callers(&self) {
            cprintf!("lock %s was last acquired from:", self.name);
            for eip in self
                .callers
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .take_while(|&e| e != 0)
            {
                cprintf!(" %08x", eip);
            }
            cprintf!("\n");
        }
    }

    extern "C" {
        static bootstack: u8;
        static bootstacktop: u8;
    }

    /// Whether the 8-byte frame at `ebp` lies inside a kernel stack: the
    /// mapped part of a per-CPU stack, or the boot stack. Anything else (a
    /// guard gap, a user address, 0) ends a frame-pointer walk.
    fn on_kernel_stack(ebp: u32) -> bool {
        let frame = ebp as u64..ebp as u64 + 8;
        let inside = |lo: u64, hi: u64| lo <= frame.start && frame.end <= hi;
        let (boot_lo, boot_hi) = (addr_of!(bootstack) as u64, addr_of!(bootstacktop) as u64);
        ebp.is_multiple_of(4) && (inside(boot_lo, boot_hi) || in_percpu_stack(ebp))
    }

    /// Per CPU: how many `push_cli`s are not yet undone, and whether
    /// interrupts were on before the first.
    static CLI_DEPTH: [AtomicU32; NCPU] = [const { AtomicU32::new(0) }; NCPU];
    static IF_WAS_ON: [AtomicBool; NCPU] = [const { AtomicBool::new(false) }; NCPU];

    const FL_IF: u32 = 0x200;

    /// Turns interrupts off, remembering (on the first level) whether they
    /// were on; returns this CPU's number, which cannot change from here
    /// until the matching `pop_cli`.
    fn push_cli() -> usize {
        let was_on = crate::x86::read_eflags() & FL_IF != 0;
        crate::x86::cli();
        let cpu = cpunum();
        if CLI_DEPTH[cpu].fetch_add(1, Ordering::Relaxed) == 0 {
            IF_WAS_ON[cpu].store(was_on, Ordering::Relaxed);
        }
        cpu
    }

    /// Undoes one `push_cli` on CPU `cpu` (this one); the last one turns
    /// interrupts back on if they were on before the first.
    fn pop_cli(cpu: usize) {
        let depth = CLI_DEPTH[cpu].load(Ordering::Relaxed);
        assert!(depth > 0, "pop_cli without push_cli on CPU {}", cpu);
        CLI_DEPTH[cpu].store(depth - 1, Ordering::Relaxed);
        if depth == 1 && IF_WAS_ON[cpu].load(Ordering::Relaxed) {
            crate::x86::sti();
        }
    }

    /// The big kernel lock; `bkl::lock_kernel` takes it and returns the
    /// guard that proves it.
    pub static KERNEL_LOCK: Spinlock = Spinlock::new("kernel_lock");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn percpu_stack_frames() {
        use inc::memlayout::{KSTACKTOP, KSTKGAP, KSTKSIZE, NCPU};
        let brute = |ebp: u32| {
            (0..NCPU as u32).any(|cpu| {
                let top = KSTACKTOP as u64 - (cpu * (KSTKSIZE + KSTKGAP)) as u64;
                top - KSTKSIZE as u64 <= ebp as u64 && ebp as u64 + 8 <= top
            })
        };
        let lowest = KSTACKTOP - NCPU as u32 * (KSTKSIZE + KSTKGAP);
        for ebp in (lowest - 64..KSTACKTOP + 64).step_by(4) {
            assert_eq!(in_percpu_stack(ebp), brute(ebp), "ebp {ebp:#x}");
        }
        assert!(!in_percpu_stack(0) && !in_percpu_stack(u32::MAX - 3));
    }

    #[test]
    fn acquire_release_tracks_the_holder() {
        let l = Spinlock::new("t");
        assert!(!l.holding_on(1));
        l.acquire_on(1);
        assert!(l.holding_on(1));
        assert!(!l.holding_on(2));
        l.release_on(1);
        assert!(!l.holding_on(1));
        l.acquire_on(2);
        assert!(l.holding_on(2));
    }

    #[test]
    #[should_panic(expected = "CPU 3 acquires lock rec it already holds")]
    fn recursive_acquire_panics() {
        let l = Spinlock::new("rec");
        l.acquire_on(3);
        l.acquire_on(3);
    }

    #[test]
    #[should_panic(expected = "CPU 2 releases lock other held by CPU 1")]
    fn release_by_non_holder_panics() {
        let l = Spinlock::new("other");
        l.acquire_on(1);
        l.release_on(2);
    }

    #[test]
    #[should_panic(expected = "which is free")]
    fn release_of_free_lock_panics() {
        Spinlock::new("free").release_on(0);
    }

    #[test]
    fn excludes_concurrent_cpus() {
        // Four threads play four CPUs; a non-atomic read-modify-write under
        // the lock must lose no update.
        static LOCK: Spinlock = Spinlock::new("count");
        let count = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|cpu| {
                let count = Arc::clone(&count);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        LOCK.acquire_on(cpu);
                        let v = count.load(Ordering::Relaxed);
                        std::hint::spin_loop();
                        count.store(v + 1, Ordering::Relaxed);
                        LOCK.release_on(cpu);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(count.load(Ordering::Relaxed), 40_000);
    }
}
