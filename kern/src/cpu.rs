//! Per-CPU state: which env this CPU runs, whether it is halted, its TSS.
//!
//! Each CPU touches only its own entry (found through the task register),
//! and only with interrupts off, so an entry needs no lock. The second
//! half of that rule is a value: [`thiscpu`] asks for an [`IrqOff`] token,
//! which trap entry, the boot path and the big kernel lock's guard make,
//! and the `Cpu` it returns lives only as long as the token is borrowed.
//! The fields are `Cell`s, so the shared `&Cpu` is all anyone needs.

use crate::gdt::TaskState;
use core::cell::{Cell, UnsafeCell};
use core::marker::PhantomData;
use inc::memlayout::{KSTACKTOP, KSTKGAP, KSTKSIZE, NCPU};

/// The CPU has not started (or is only booting).
pub const CPU_UNUSED: u32 = 0;
/// The CPU runs kernel code or an env.
pub const CPU_STARTED: u32 = 1;
/// The CPU sleeps in `sched_halt`, without the big kernel lock.
pub const CPU_HALTED: u32 = 2;

/// Proof that interrupts are off on this CPU, so nothing else on it can
/// run (and reach its `Cpu` entry) until the token is gone. Not `Send`: it
/// speaks for one CPU. It also remembers which CPU that is: with
/// interrupts off the code cannot move to another one, so [`thiscpu`] need
/// not read the task register again (issue 11: that was a few reads per
/// system call).
pub struct IrqOff {
    cpu: usize,
    _not_send: PhantomData<*mut ()>,
}

impl IrqOff {
    /// # Safety
    /// Interrupts must be off on this CPU, and stay off for as long as the
    /// token (or anything borrowed from it) lives.
    pub unsafe fn new() -> IrqOff {
        // SAFETY: the caller's promise; cpu_id() is this CPU's index.
        unsafe { IrqOff::on_cpu(cpu_id()) }
    }

    /// [`new`](IrqOff::new) on entry from user mode, naming the CPU by
    /// where its trap frame lies instead of decoding the task register
    /// (issue 11: 13 instructions on every entry). A trap from user mode
    /// (the TSS's esp0) and `sysenter` (its ESP MSR) both land at the top
    /// of the entering CPU's own stack in the KSTACKTOP area, and each
    /// stack with its guard gap is KSTKSIZE + KSTKGAP below the last.
    ///
    /// # Safety
    /// As for [`new`](IrqOff::new), and `frame` must be the address of the
    /// frame this CPU's entry from user mode built on its kernel stack.
    pub unsafe fn on_user_entry(frame: usize) -> IrqOff {
        let below_top = KSTACKTOP as usize - 1 - frame;
        let cpu = below_top / (KSTKSIZE + KSTKGAP) as usize;
        debug_assert_eq!(cpu, cpu_id());
        // SAFETY: the caller's promise; the frame's stack names this CPU.
        unsafe { IrqOff::on_cpu(cpu) }
    }

    /// # Safety
    /// As for [`new`](IrqOff::new), and `cpu` must be this CPU's index
    /// (what [`cpu_id`] returns here).
    pub unsafe fn on_cpu(cpu: usize) -> IrqOff {
        assert!(cpu < NCPU, "cpu id {} out of range", cpu);
        IrqOff {
            cpu,
            _not_send: PhantomData,
        }
    }

    /// The index of the CPU whose interrupts are off.
    pub fn cpu(&self) -> usize {
        self.cpu
    }
}

pub struct Cpu {
    pub id: usize,
    pub status: Cell<u32>,
    /// Index (into the env table) of the env this CPU runs, if any.
    pub env: Cell<Option<usize>>,
    /// Where the CPU finds its kernel stack on a trap from user mode; the
    /// CPU reads it behind Rust's back, so it is only reached by pointer.
    ts: UnsafeCell<TaskState>,
}

impl Cpu {
    const fn new(id: usize) -> Cpu {
        Cpu {
            id,
            status: Cell::new(CPU_UNUSED),
            env: Cell::new(None),
            ts: UnsafeCell::new(TaskState::new()),
        }
    }

    /// Sets the stack the CPU switches to on a trap from user mode.
    pub fn set_kernel_stack(&self, esp0: u32, ss0: u16) {
        // SAFETY: only this CPU touches its TSS, with interrupts off (the
        // `&self` came from `thiscpu`); the hardware reads it only on a trap.
        unsafe {
            (*self.ts.get()).esp0 = esp0;
            (*self.ts.get()).ss0 = ss0 as u32;
        }
    }

    /// The eip and esp the CPU saved into this TSS when it switched to the
    /// double-fault task.
    fn interrupted_at(&self) -> (u32, u32) {
        // SAFETY: a plain read of this CPU's TSS, which the CPU wrote when
        // it left the task; nothing writes it while the double-fault task runs.
        let ts = unsafe { self.ts.get().read_volatile() };
        (ts.eip, ts.esp)
    }

    /// The task state segment, for the GDT's descriptor and `ltr`.
    pub fn ts_ptr(&self) -> *const TaskState {
        self.ts.get()
    }
}

struct Cpus([Cpu; NCPU]);

// SAFETY: CPU i only ever touches entry i, with interrupts off (see
// `thiscpu`), so the Cells are never shared between CPUs in practice.
unsafe impl Sync for Cpus {}

static CPUS: Cpus = Cpus({
    let mut cpus = [const { Cpu::new(0) }; NCPU];
    let mut i = 0;
    while i < NCPU {
        cpus[i] = Cpu::new(i);
        i += 1;
    }
    cpus
});

/// The index of the CPU running this code. Once `trap_init_percpu` has
/// loaded this CPU's TSS, the task register names it (GD_TSS0 + 8 * id):
/// reading it is one instruction, where asking the LAPIC is an MMIO read,
/// slow under QEMU and needed on every kernel entry.
/// In a CPU's double-fault task the register names that task's TSS
/// (GD_DFTSS0 + 8 * id) instead.
pub fn cpu_id() -> usize {
    use crate::gdt::{GD_DFTSS0, GD_TSS0};
    match crate::x86::str() {
        0 => crate::lapic::cpunum(),
        sel if sel >= GD_DFTSS0 => usize::from((sel - GD_DFTSS0) / 8),
        sel => usize::from((sel - GD_TSS0) / 8),
    }
}

/// Where CPU `id` was when it double-faulted: the eip and esp it saved
/// into its TSS on the switch to its double-fault task (which calls this).
pub fn interrupted_at(id: usize) -> (u32, u32) {
    CPUS.0[id].interrupted_at()
}

/// The state of the CPU running this code.
pub fn thiscpu(irq: &IrqOff) -> &Cpu {
    &CPUS.0[irq.cpu()]
}

/// The index of the env running on this CPU (JOS's `curenv`).
pub fn curenv(irq: &IrqOff) -> Option<usize> {
    thiscpu(irq).env.get()
}
