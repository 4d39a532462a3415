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
    /// Where the holder took the lock (null while it is free), for
    /// debugging. Always a `&'static Location`: see `acquire`.
    #[cfg(target_os = "none")]
    taken_at: core::sync::atomic::AtomicPtr<core::panic::Location<'static>>,
}

impl Spinlock {
    pub const fn new(name: &'static str) -> Spinlock {
        Spinlock {
            locked: AtomicBool::new(false),
            holder: AtomicUsize::new(NO_CPU),
            name,
            #[cfg(target_os = "none")]
            taken_at: core::sync::atomic::AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// Takes the lock for CPU `cpu`, spinning while another CPU holds it.
    /// Panics if `cpu` already holds it.
    ///
    /// That test is made only when the lock is found taken, which it always
    /// is when `cpu` holds it: a free lock costs no test (issue 11: four
    /// instructions on every kernel entry). `holder` names `cpu` only while
    /// `cpu` holds the lock: the release clears it before unlocking, and a
    /// new holder writes its own number after taking it.
    pub fn acquire_on(&self, cpu: usize) {
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            if self.holding_on(cpu) {
                self.acquired_twice(cpu);
            }
            // Wait with plain reads (and the pause hint) until it looks free.
            while self.locked.load(Ordering::Relaxed) {
                core::hint::spin_loop();
            }
        }
        self.holder.store(cpu, Ordering::Relaxed);
    }

    #[cold]
    #[inline(never)]
    fn acquired_twice(&self, cpu: usize) -> ! {
        panic!("CPU {} acquires lock {} it already holds", cpu, self.name);
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
        self.unlock();
    }

    /// Frees the lock (the caller checked that it holds it).
    fn unlock(&self) {
        self.holder.store(NO_CPU, Ordering::Relaxed);
        self.locked.store(false, Ordering::Release);
    }

    /// Whether CPU `cpu` holds the lock.
    pub fn holding_on(&self, cpu: usize) -> bool {
        self.locked.load(Ordering::Relaxed) && self.holder.load(Ordering::Relaxed) == cpu
    }
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
    use crate::cpu::IrqOff;
    use core::panic::Location;
    use core::ptr;
    use core::sync::atomic::AtomicU32;
    use inc::memlayout::NCPU;

    impl Spinlock {
        /// Takes the lock for this CPU, with interrupts off until `release`;
        /// returns this CPU's index.
        ///
        /// The lock remembers where it was taken: the call site that
        /// `#[track_caller]` hands down (for the big kernel lock, the trap
        /// path that called `enter_from_user`). Storing that pointer costs
        /// two instructions; the frame-pointer walk it replaces cost about
        /// 30 on every kernel entry (docs/performance.md, round 5).
        #[track_caller]
        pub fn acquire(&self) -> usize {
            let cpu = push_cli();
            self.acquire_on(cpu);
            let at: &'static Location<'static> = Location::caller();
            self.taken_at
                .store(ptr::from_ref(at).cast_mut(), Ordering::Relaxed);
            cpu
        }

        /// [`acquire`](Spinlock::acquire) on CPU `irq.cpu()`, whose
        /// interrupts the token proves off already (a trap gate turned them
        /// off): no flags to read, no task register to decode, and no
        /// `push_cli` level, since the way out (`iret`, `sysexit`, or a halt
        /// that turns them on itself) restores the flags; release it with
        /// [`release_irq_off`](Spinlock::release_irq_off).
        #[track_caller]
        pub fn acquire_irq_off(&self, irq: &IrqOff) -> usize {
            let cpu = irq.cpu();
            self.acquire_on(cpu);
            let at: &'static Location<'static> = Location::caller();
            self.taken_at
                .store(ptr::from_ref(at).cast_mut(), Ordering::Relaxed);
            cpu
        }

        /// Releases the lock this CPU, number `cpu` (what `acquire`
        /// returned: interrupts stayed off since), holds.
        /// The holder is checked once: a CPU that does not hold the lock
        /// prints where it was taken and panics in `release_on`.
        pub fn release_on_this(&self, cpu: usize) {
            self.release_irq_off(cpu);
            pop_cli(cpu);
        }

        /// Releases the lock this CPU took with
        /// [`acquire_irq_off`](Spinlock::acquire_irq_off): interrupts stay
        /// off.
        #[inline(always)]
        pub fn release_irq_off(&self, cpu: usize) {
            if !self.holding_on(cpu) {
                self.release_not_held(cpu);
            }
            self.taken_at.store(ptr::null_mut(), Ordering::Relaxed);
            self.unlock();
        }

        /// Out of line, so that the common release needs no stack frame
        /// for formatting (issue 11: a 108-byte frame on every exit).
        #[cold]
        #[inline(never)]
        fn release_not_held(&self, cpu: usize) -> ! {
            self.print_taken_at();
            self.release_on(cpu);
            unreachable!("release_on panics for a CPU that does not hold the lock");
        }

        fn print_taken_at(&self) {
            let at = self.taken_at.load(Ordering::Relaxed);
            // SAFETY: `taken_at` only ever holds null or a pointer made from
            // a `&'static Location` (in `acquire`), which is never freed.
            match unsafe { at.as_ref() } {
                Some(at) => cprintf!(
                    "lock %s was last taken at %s:%u\n",
                    self.name,
                    at.file(),
                    at.line()
                ),
                None => cprintf!("lock %s: no holder recorded\n", self.name),
            };
        }
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
