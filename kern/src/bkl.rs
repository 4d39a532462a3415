//! The big kernel lock as a value.
//!
//! JOS serialises the whole kernel with one lock: a CPU takes it on every
//! entry from user mode and drops it just before returning there. Here
//! holding it is a value, [`Bkl`], which only [`lock_kernel`] makes and
//! which is neither `Send` nor `Clone`. State that only the lock protects
//! (the env table, per-env kernel state, the run set) is reached through
//! `&mut Bkl`, so the borrow checker sees every access: two live `&mut Env`
//! from one guard cannot coexist, and no reference outlives the lock.
//! [`env_run`](crate::env::env_run) and `sched_halt` consume the guard: they
//! release the lock on their way out of the kernel.

use crate::cpu::IrqOff;
use crate::spinlock::KERNEL_LOCK;
use core::cell::UnsafeCell;

/// Proof that this CPU holds the big kernel lock (and so has interrupts
/// off: `Spinlock::acquire` turns them off until the release).
pub struct Bkl {
    irq: IrqOff,
    /// Taken with a `push_cli` level (`lock_kernel`) that the release must
    /// undo; a trap entry's lock (`lock_kernel_irq_off`) has none.
    pushed_cli: bool,
}

/// Takes the big kernel lock (spins until it is free). The lock records
/// the caller's call site (`#[track_caller]`), for debugging.
#[track_caller]
pub fn lock_kernel() -> Bkl {
    let cpu = KERNEL_LOCK.acquire();
    Bkl {
        // SAFETY: acquire turned interrupts off on this CPU, whose index it
        // returned; they stay off until `release`, which consumes this
        // guard and the token with it.
        irq: unsafe { IrqOff::on_cpu(cpu) },
        pushed_cli: true,
    }
}

/// [`lock_kernel`] for a CPU whose interrupts are known to be off (trap
/// entry): the token names the CPU and moves into the guard.
#[track_caller]
pub fn lock_kernel_irq_off(irq: IrqOff) -> Bkl {
    KERNEL_LOCK.acquire_irq_off(&irq);
    Bkl {
        irq,
        pushed_cli: false,
    }
}

impl Bkl {
    /// Interrupts are off while the lock is held.
    pub fn irq(&self) -> &IrqOff {
        &self.irq
    }

    /// Releases the big kernel lock.
    #[inline(always)]
    pub fn release(self) {
        if self.pushed_cli {
            KERNEL_LOCK.release_on_this(self.irq.cpu());
        } else {
            KERNEL_LOCK.release_irq_off(self.irq.cpu());
        }
    }

    /// Hands the guard itself to `leave`, a path out of the kernel that
    /// never returns (the scheduler, `env_run`), from code that only
    /// borrowed it.
    ///
    /// Sound because neither this function nor `leave` returns: the code
    /// that owns the original guard never runs again, so the lock is
    /// released once, by whoever ends up with the new guard.
    pub fn diverge(&mut self, leave: fn(Bkl) -> !) -> ! {
        // SAFETY: the original guard proves interrupts are off on its CPU;
        // this one replaces it for good (see above).
        let irq = unsafe { IrqOff::on_cpu(self.irq.cpu()) };
        leave(Bkl {
            irq,
            pushed_cli: self.pushed_cli,
        })
    }

    /// [`diverge`](Bkl::diverge) for a way out that takes an env, e.g.
    /// `env_run` (a direct switch to the env a message just woke).
    pub fn diverge_to(&mut self, leave: fn(Bkl, usize) -> !, e: usize) -> ! {
        // SAFETY: as in `diverge`.
        let irq = unsafe { IrqOff::on_cpu(self.irq.cpu()) };
        let bkl = Bkl {
            irq,
            pushed_cli: self.pushed_cli,
        };
        leave(bkl, e)
    }
}

/// Kernel state that the big kernel lock guards.
pub struct BklCell<T>(UnsafeCell<T>);

// SAFETY: the contents are reached only through `get`, which needs the
// lock's guard, so no two CPUs touch them at once.
unsafe impl<T> Sync for BklCell<T> {}

impl<T> BklCell<T> {
    pub const fn new(v: T) -> BklCell<T> {
        BklCell(UnsafeCell::new(v))
    }

    /// Where the contents are (an address, e.g. to map them for users).
    pub const fn as_ptr(&self) -> *mut T {
        self.0.get()
    }

    /// The contents, for as long as the guard stays borrowed.
    pub fn get<'a>(&'a self, _bkl: &'a mut Bkl) -> &'a mut T {
        // SAFETY: the guard proves this CPU holds the lock, and borrowing it
        // mutably for 'a means no other reference reached through it (to
        // this or any other cell) is alive during 'a.
        unsafe { &mut *self.0.get() }
    }
}

/// Data each CPU touches only in its own part, without the lock (the IDT
/// before any AP starts, each CPU's GDT slot): callers use the raw pointer.
pub struct PerCpuCell<T>(UnsafeCell<T>);

// SAFETY: only reached through `as_ptr`; every user states why its access
// does not race.
unsafe impl<T> Sync for PerCpuCell<T> {}

impl<T> PerCpuCell<T> {
    pub const fn new(v: T) -> PerCpuCell<T> {
        PerCpuCell(UnsafeCell::new(v))
    }

    pub const fn as_ptr(&self) -> *mut T {
        self.0.get()
    }
}
