//! Per-CPU state: which env this CPU runs, whether it is halted, its TSS.
//!
//! Each CPU touches only its own entry (found through the LAPIC id), and only
//! with interrupts off, so an entry needs no lock.

use crate::gdt::TaskState;
use core::cell::UnsafeCell;
use inc::memlayout::NCPU;

/// The CPU has not started (or is only booting).
pub const CPU_UNUSED: u32 = 0;
/// The CPU runs kernel code or an env.
pub const CPU_STARTED: u32 = 1;
/// The CPU sleeps in `sched_halt`, without the big kernel lock.
pub const CPU_HALTED: u32 = 2;

pub struct Cpu {
    pub id: usize,
    pub status: u32,
    /// Index (into the env table) of the env this CPU runs, if any.
    pub env: Option<usize>,
    /// Where the CPU finds its kernel stack on a trap from user mode.
    pub ts: TaskState,
}

struct Cpus(UnsafeCell<[Cpu; NCPU]>);

// SAFETY: CPU i only ever touches entry i (see `thiscpu`).
unsafe impl Sync for Cpus {}

static CPUS: Cpus = Cpus(UnsafeCell::new(
    [const {
        Cpu {
            id: 0,
            status: CPU_UNUSED,
            env: None,
            ts: TaskState::new(),
        }
    }; NCPU],
));

/// The index of the CPU running this code. Once `trap_init_percpu` has
/// loaded this CPU's TSS, the task register names it (GD_TSS0 + 8 * id):
/// reading it is one instruction, where asking the LAPIC is an MMIO read,
/// slow under QEMU and needed on every kernel entry.
pub fn cpu_id() -> usize {
    match crate::x86::str() {
        0 => crate::lapic::cpunum(),
        sel => usize::from((sel - crate::gdt::GD_TSS0) / 8),
    }
}

/// The state of the CPU running this code.
#[allow(clippy::mut_from_ref)]
pub fn thiscpu() -> &'static mut Cpu {
    let id = cpu_id();
    assert!(id < NCPU, "cpu id {} out of range", id);
    // SAFETY: entry `id` belongs to this CPU alone, and the kernel runs with
    // interrupts off, so no other code path holds a reference to it now
    // (callers do not keep the reference across calls that may take another).
    let cpu = unsafe { &mut (*CPUS.0.get())[id] };
    cpu.id = id;
    cpu
}

/// The index of the env running on this CPU (JOS's `curenv`).
pub fn curenv() -> Option<usize> {
    thiscpu().env
}
