//! Traps, interrupts and the system-call entry (JOS's trap.c).
//!
//! `trapentry.S` turns every trap into a call of [`trap`] with a Trapframe on
//! this CPU's kernel stack; `sysenter` arrives through [`sysenter_trap`] with
//! the same kind of frame. `trap` decides once where the trap came from
//! (xv6's usertrap/kerneltrap split):
//!
//! - from user mode, [`enter_from_user`] takes the big kernel lock and copies
//!   the frame into the env, so that the env can be resumed from there (by
//!   this or another CPU) after anything else has run; [`trap_dispatch`]
//!   then works on that saved frame, and the env leaves through `env_run`.
//! - from the kernel, the only expected trap is the interrupt that wakes a
//!   halted CPU; anything else is a kernel bug and panics.
//!
//! Both system-call entries share [`syscall_from_frame`]. An env whose frame
//! was replaced (sys_env_set_trapframe) is marked as needing `iret`, so the
//! sysenter path need not know which call did it.

use inc::memlayout::{PGSIZE, USTACKTOP, UXSTACKTOP};
use inc::trap::*;

/// Where a page-fault upcall's UTrapframe goes: just below UXSTACKTOP, or,
/// for a fault on the exception stack itself, below the trap-time esp with
/// one empty word in between (the handler's return trick needs it).
pub fn utrapframe_va(trap_esp: u32) -> u32 {
    let size = core::mem::size_of::<UTrapframe>() as u32;
    if (UXSTACKTOP - PGSIZE..UXSTACKTOP).contains(&trap_esp) {
        trap_esp - 4 - size
    } else {
        UXSTACKTOP - size
    }
}

/// Whether the upcall frame for a fault taken at `trap_esp` would overflow
/// the exception stack: the fault came from the exception stack itself
/// (a handler that faults again and again) and the frame would start in
/// the guard page below it.
pub fn uxstack_overflows(trap_esp: u32) -> bool {
    let on_uxstack = (UXSTACKTOP - PGSIZE..UXSTACKTOP).contains(&trap_esp);
    on_uxstack && utrapframe_va(trap_esp) < UXSTACKTOP - PGSIZE
}

/// Whether a fault came from a handler that ran off the bottom of the
/// exception stack: its esp is in the guard page (JOS would start a fresh
/// frame at the top and loop there). USTACKTOP itself is the normal stack's
/// empty top, not the guard.
pub fn esp_in_uxstack_guard(trap_esp: u32) -> bool {
    USTACKTOP < trap_esp && trap_esp < UXSTACKTOP - PGSIZE
}

/// Whether vector `trapno` is an interrupt from the local APIC, which must
/// be acknowledged (EOI) before it sends another of the same or lower
/// priority.
pub fn needs_lapic_eoi(trapno: u32) -> bool {
    trapno == IRQ_OFFSET + IRQ_TIMER || trapno == IRQ_OFFSET + IRQ_ERROR
}

/// An IDT gate (Intel SDM vol. 3, 6.11): 32-bit interrupt gate (interrupts
/// off on entry), present, callable from privilege `dpl` and above.
pub const fn interrupt_gate(handler: u32, sel: u16, dpl: u8) -> u64 {
    let kind: u64 = 0xE;
    (handler as u64 & 0xFFFF)
        | (sel as u64) << 16
        | (kind | (dpl as u64 & 3) << 5 | 1 << 7) << 40
        | (handler as u64 >> 16) << 48
}

/// An IDT task gate (Intel SDM vol. 3, 7.2.5): present, DPL 0, switching
/// to the task whose TSS selector is `tss`.
pub const fn task_gate(tss: u16) -> u64 {
    let kind: u64 = 0x5;
    (tss as u64) << 16 | (kind | 1 << 7) << 40
}

/// The bracketed note JOS prints after a page fault's error code.
pub fn page_fault_err_note(err: u32) -> (&'static str, &'static str, &'static str) {
    use inc::mmu::{FEC_PR, FEC_U, FEC_WR};
    (
        if err & FEC_U != 0 { "user" } else { "kernel" },
        if err & FEC_WR != 0 { "write" } else { "read" },
        if err & FEC_PR != 0 {
            "protection"
        } else {
            "not-present"
        },
    )
}

#[cfg(target_os = "none")]
pub use self::machine::*;

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::bkl::{self, Bkl, PerCpuCell};
    use crate::cpu::{thiscpu, IrqOff, CPU_HALTED, CPU_STARTED};
    use crate::env::{self, KERNEL_STATE};
    use crate::gdt::{self, GD_KD, GD_KT};
    use crate::userptr::UserBuf;
    use crate::{lapic, pmap, sched, syscall, x86};
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use inc::env::{ENV_DYING, ENV_NOT_RUNNABLE, ENV_RUNNING};
    use inc::mmu::{FL_TF, PTE_U, PTE_W};

    core::arch::global_asm!(
        include_str!("trapentry.S"),
        GD_KD = const GD_KD,
        GD_UT = const gdt::GD_UT,
        GD_UD = const gdt::GD_UD,
        RPL_USER = const gdt::RPL_USER,
        T_SYSCALL = const T_SYSCALL,
        IRQ_LAPIC_ERROR = const IRQ_OFFSET + IRQ_ERROR,
        FL_IF = const inc::mmu::FL_IF,
        FL_RESERVED = const FL_RESERVED,
        TF_TRAPNO = const core::mem::offset_of!(Trapframe, trapno),
        TF_EIP = const core::mem::offset_of!(Trapframe, eip),
        TF_EFLAGS = const core::mem::offset_of!(Trapframe, eflags),
        TF_ESP = const core::mem::offset_of!(Trapframe, esp),
        options(att_syntax)
    );

    /// Eflags bit 1, which always reads as 1.
    const FL_RESERVED: u32 = 0x2;

    // trapentry.S builds a Trapframe by pushing, from the top down: ss, esp,
    // eflags, cs, eip, err, trapno, ds, es, then pusha's eight registers.
    // The offsets it is given follow from that order only if the struct has
    // exactly that layout.
    const _: () = {
        use core::mem::{offset_of, size_of};
        assert!(offset_of!(Trapframe, es) == size_of::<PushRegs>());
        assert!(offset_of!(Trapframe, ds) == offset_of!(Trapframe, es) + 4);
        assert!(offset_of!(Trapframe, trapno) == offset_of!(Trapframe, ds) + 4);
        assert!(offset_of!(Trapframe, err) == offset_of!(Trapframe, trapno) + 4);
        assert!(offset_of!(Trapframe, eip) == offset_of!(Trapframe, err) + 4);
        assert!(offset_of!(Trapframe, cs) == offset_of!(Trapframe, eip) + 4);
        assert!(offset_of!(Trapframe, eflags) == offset_of!(Trapframe, cs) + 4);
        assert!(offset_of!(Trapframe, esp) == offset_of!(Trapframe, eflags) + 4);
        assert!(offset_of!(Trapframe, ss) == offset_of!(Trapframe, esp) + 4);
        assert!(size_of::<Trapframe>() == offset_of!(Trapframe, ss) + 4);
    };

    extern "C" {
        static trap_entries: [TrapEntry; 0];
        static trap_entries_end: [TrapEntry; 0];
        fn sysenter_entry();
        /// Restores `tf` and returns from the trap with `iret`.
        pub fn env_pop_tf(tf: *const Trapframe) -> !;
        /// Loads `top` into esp and halts there with interrupts on.
        pub fn halt_on_stack(top: u32) -> !;
    }

    /// One (vector, stub address) pair emitted by trapentry.S.
    #[repr(C)]
    struct TrapEntry {
        vector: u32,
        handler: u32,
    }

    /// One IDT per CPU: they differ only in vector 8, each CPU's task gate
    /// to its own double-fault TSS (dblfault.rs).
    static IDT: PerCpuCell<[[u64; 256]; inc::memlayout::NCPU]> =
        PerCpuCell::new([[0; 256]; inc::memlayout::NCPU]);

    /// The command line's `kstackoverflow`, read once by `trap_init`: every
    /// trap from user mode through the IDT tests it (a load is cheaper than
    /// the parsed command line behind its `Once`); with it set, `sysenter`
    /// is left off, so system calls come that way too.
    static OVERFLOW_ON_ENTRY: AtomicBool = AtomicBool::new(false);

    /// Timer interrupts counted on the boot CPU (sys_time_msec).
    pub static TICKS: AtomicU32 = AtomicU32::new(0);

    const MSR_SYSENTER_CS: u32 = 0x174;
    const MSR_SYSENTER_ESP: u32 = 0x175;
    const MSR_SYSENTER_EIP: u32 = 0x176;
    const CPUID_1_EDX_SEP: u32 = 1 << 11;

    /// Builds the IDT from the entry stubs (once, on the boot CPU), then sets
    /// up this CPU.
    pub fn trap_init(irq: &IrqOff) {
        OVERFLOW_ON_ENTRY.store(crate::init::cmdline().kstackoverflow, Ordering::Relaxed);
        // SAFETY: the two symbols bracket the table trapentry.S emitted.
        let entries = unsafe {
            let start = trap_entries.as_ptr();
            let n = trap_entries_end.as_ptr().offset_from(start) as usize;
            core::slice::from_raw_parts(start, n)
        };
        // SAFETY: only the boot CPU runs this, before any other CPU starts.
        let idts = unsafe { &mut *IDT.as_ptr() };
        for (cpu, idt) in idts.iter_mut().enumerate() {
            for e in entries {
                let dpl = if e.vector == T_BRKPT || e.vector == T_SYSCALL {
                    3
                } else {
                    0
                };
                idt[e.vector as usize] = interrupt_gate(e.handler, GD_KT, dpl);
            }
            idt[T_DBLFLT as usize] = task_gate(gdt::df_tss_selector(cpu));
        }
        trap_init_percpu(irq);
    }

    /// Loads this CPU's GDT, TSS and IDT, and points `sysenter` at the kernel.
    pub fn trap_init_percpu(irq: &IrqOff) {
        let me = thiscpu(irq);
        let top = pmap::kstack_top(me.id);
        me.set_kernel_stack(top, GD_KD);
        gdt::load(me, crate::dblfault::prepare(me.id));
        let ptr = x86::DescriptorTablePointer {
            limit: (core::mem::size_of::<[u64; 256]>() - 1) as u16,
            // SAFETY: in bounds (cpu ids are below NCPU); only a pointer.
            base: unsafe { IDT.as_ptr().cast::<[u64; 256]>().add(me.id) } as u32,
        };
        // SAFETY: the IDT is static and every present gate points at a stub
        // in trapentry.S with the kernel code selector, or (vector 8) at
        // this CPU's double-fault TSS, which `prepare` just filled in.
        unsafe { x86::lidt(&ptr) };
        if x86::cpuid(1).3 & CPUID_1_EDX_SEP == 0 {
            cprintf!(
                "CPU %d: no sysenter; system calls use int $0x30 only\n",
                me.id
            );
            return;
        }
        if OVERFLOW_ON_ENTRY.load(Ordering::Relaxed) {
            // The hook is tested on the `int`/exception path only, which
            // keeps it off the `sysenter` path: with SYSENTER_CS still 0 a
            // user's `sysenter` faults (#GP), a trap from user mode that
            // takes that path (issue 11: three instructions per call).
            return;
        }
        // SAFETY: the CPU has the SYSENTER MSRs (CPUID.SEP); GD_KT is the
        // flat kernel code segment followed by GD_KD, GD_UT and GD_UD as
        // sysenter/sysexit require, `top` is this CPU's kernel stack and
        // sysenter_entry expects exactly that state.
        unsafe {
            x86::wrmsr(MSR_SYSENTER_CS, GD_KT as u64);
            x86::wrmsr(MSR_SYSENTER_ESP, top as u64);
            x86::wrmsr(
                MSR_SYSENTER_EIP,
                sysenter_entry as *const () as usize as u64,
            );
        }
    }

    #[cold]
    #[inline(never)]
    fn no_current_env() -> ! {
        panic!("trap from user mode with no current env");
    }

    /// Env `e`, destroyed by another CPU while it ran here, trapped: its
    /// trap is never dispatched; free it and run something else.
    #[cold]
    #[inline(never)]
    fn free_dying_env(mut bkl: Bkl, e: usize, trapno: u32) -> ! {
        // Acknowledge a timer interrupt here, or the LAPIC would send this
        // CPU no more of them.
        if needs_lapic_eoi(trapno) {
            lapic::lapic_eoi();
        }
        env::env_free(&mut bkl, e);
        thiscpu(bkl.irq()).env.set(None);
        sched::sched_yield(bkl);
    }

    /// Enters the kernel from user mode: takes the big kernel lock and
    /// copies the frame into the current env. Returns the guard and the env,
    /// or frees a DYING env and reschedules. The lock records the caller's
    /// call site (which entry path took it).
    ///
    /// Inlined into both entry paths (with the system call's dispatch): as
    /// a call it cost a frame and a returned pair (issue 11).
    #[track_caller]
    #[inline(always)]
    fn enter_from_user(irq: IrqOff, tf: &Trapframe) -> (Bkl, usize) {
        let mut bkl = bkl::lock_kernel_irq_off(irq);
        let Some(e) = bkl.curenv() else {
            no_current_env()
        };
        if bkl.env(e).env_status == ENV_DYING {
            free_dying_env(bkl, e, tf.trapno)
        }
        // Stopped while it ran here: this trap still completes (a system
        // call returns its result into the saved frame), then the CPU
        // moves on, as if the env had been NOT_RUNNABLE all along.
        // (Tested before it is cleared: a store on every entry for a flag
        // that is nearly always clear.)
        let state = &mut KERNEL_STATE.get(&mut bkl)[e];
        if state.stop_requested {
            state.stop_requested = false;
            env::set_status(&mut bkl, e, ENV_NOT_RUNNABLE);
        }
        bkl.env(e).env_tf = *tf;
        (bkl, e)
    }

    /// Called by `alltraps` with the frame it built; never returns.
    #[no_mangle]
    extern "C" fn trap(tf: *mut Trapframe) -> ! {
        // Every IDT gate is an interrupt gate, so interrupts are off from the
        // trap on; the kernel turns them on only to halt, and a trap out of
        // that halt lands here with them off again.
        // SAFETY: alltraps passes the frame it just built on this stack.
        let frame = unsafe { &mut *tf };
        if frame.cs & 3 == 3 {
            // SAFETY: as above; from user mode the CPU switched to the stack
            // in this CPU's TSS, at whose top the frame lies.
            let irq = unsafe { IrqOff::on_user_entry(tf as usize) };
            if OVERFLOW_ON_ENTRY.load(Ordering::Relaxed) {
                crate::dblfault::overflow_kernel_stack_on_purpose("kstackoverflow", 0);
            }
            let (mut bkl, e) = enter_from_user(irq, frame);
            trap_dispatch(&mut bkl, e, frame);
            if still_runs_here(&mut bkl, e) {
                resume_same_env(bkl, e)
            }
            resume_or_yield(bkl)
        } else {
            // SAFETY: as above.
            let irq = unsafe { IrqOff::new() };
            kernel_trap(&irq, frame)
        }
    }

    /// Whether env `e`, whose trap this CPU just handled, simply goes on
    /// here: it is still this CPU's env and still RUNNING (it did not block,
    /// yield, stop or die, and nothing switched away from it).
    fn still_runs_here(bkl: &mut Bkl, e: usize) -> bool {
        bkl.curenv() == Some(e) && bkl.env(e).env_status == ENV_RUNNING
    }

    /// Returns to env `e`, which [`still_runs_here`], through `iret`: what
    /// `env_run` does for an env that is already this CPU's, without the
    /// switch. Its page directory is in CR3 and every mapping this CPU changed
    /// was `invlpg`ed; a reload for another CPU's unmaps waits for the next
    /// switch or timer tick, as on the `sysenter` path (kern/src/tlb.rs), so
    /// the common return skips `load_pgdir` (issue 11: about 85 instructions).
    fn resume_same_env(mut bkl: Bkl, e: usize) -> ! {
        bkl.env(e).env_runs += 1; // JOS counts every return through env_run
        KERNEL_STATE.get(&mut bkl)[e].needs_iret = false;
        // A raw pointer: the frame is read after the lock is gone; no other
        // CPU touches a RUNNING env's frame (see sys_env_set_trapframe).
        let tf: *const Trapframe = &raw const bkl.env(e).env_tf;
        bkl.release();
        // SAFETY: `tf` is this env's saved user-mode frame in the env table,
        // which lives forever, and it has user segments.
        unsafe { env_pop_tf(tf) }
    }

    /// After a trap from user mode: back to the current env if it still runs
    /// here, else to whatever the scheduler picks.
    fn resume_or_yield(mut bkl: Bkl) -> ! {
        match bkl.curenv() {
            Some(e) if bkl.env(e).env_status == ENV_RUNNING => env::env_run(bkl, e),
            _ => sched::sched_yield(bkl),
        }
    }

    /// A trap taken in the kernel. Only the interrupt that wakes a halted
    /// CPU is expected; a debug trap on the first instruction of
    /// `sysenter_entry` is dismissed; anything else is a kernel bug.
    fn kernel_trap(irq: &IrqOff, frame: &mut Trapframe) -> ! {
        let me = thiscpu(irq);
        if me.status.get() == CPU_HALTED {
            // Woken from sched_halt: this CPU gave up the lock when it halted.
            me.status.set(CPU_STARTED);
            let mut bkl = bkl::lock_kernel();
            interrupt_dispatch(&mut bkl, frame);
            sched::sched_yield(bkl);
        }
        if frame.trapno == T_DEBUG {
            // A user who single-steps `sysenter` keeps TF into the kernel's
            // first instruction; drop it here (the saved user eflags keep it).
            frame.eflags &= !FL_TF;
            // SAFETY: `frame` is a kernel-mode frame on the current stack.
            unsafe { env_pop_tf(frame) }
        }
        print_trapframe(frame);
        if frame.trapno == T_PGFLT {
            panic!(
                "kernel page fault at va {:08x}, eip {:08x}",
                x86::rcr2(),
                frame.eip
            );
        }
        panic!("unhandled trap {} in kernel", frame.trapno);
    }

    /// Called by `sysenter_entry`. Runs the system call; if the same env
    /// simply continues, releases the lock and returns its frame for
    /// `sysexit`. Anything else (it blocked, yielded, died, is being
    /// single-stepped, or had its frame replaced) leaves through `iret`.
    #[no_mangle]
    extern "C" fn sysenter_trap(tf: *mut Trapframe) -> *const Trapframe {
        // SAFETY: sysenter clears IF, and the kernel runs with it off;
        // sysenter_entry built `tf` at the top of this CPU's stack.
        let irq = unsafe { IrqOff::on_user_entry(tf as usize) };
        // SAFETY: sysenter_entry passes the frame it just built on this
        // stack; nothing writes it (sysexit_to_user reads the env's copy).
        let frame = unsafe { &*tf };
        let (mut bkl, e) = enter_from_user(irq, frame);
        syscall_from_frame(&mut bkl, e, &frame.regs);
        if !still_runs_here(&mut bkl, e) {
            sched::sched_yield(bkl);
        }
        let needs_iret = KERNEL_STATE.get(&mut bkl)[e].needs_iret;
        if needs_iret || bkl.env(e).env_tf.eflags & FL_TF != 0 {
            env::env_run(bkl, e); // iret restores everything, TF and all registers
        }
        // A raw pointer: sysexit_to_user reads the frame after the lock is
        // gone; no other CPU touches a RUNNING env's frame.
        let frame: *const Trapframe = &raw const bkl.env(e).env_tf;
        bkl.release();
        frame
    }

    /// Runs the system call in env `e`'s saved registers (eax = number,
    /// edx, ecx, ebx, edi, esi = arguments) and stores the result in its eax.
    /// Shared by `int $0x30` and `sysenter`, which save the same frame.
    #[inline(always)]
    ///
    /// `r` is the frame as the entry pushed it on this CPU's stack (the
    /// env's copy holds the same values): nothing reached through the guard
    /// can change it, so the dispatch reads only the registers a call uses.
    fn syscall_from_frame(bkl: &mut Bkl, e: usize, r: &PushRegs) {
        let ret = syscall::syscall(bkl, e, r);
        bkl.env(e).env_tf.regs.eax = ret as u32;
    }

    /// Handles a trap from env `e` (the current env), whose frame is saved
    /// in the env table.
    /// `frame` is the trap's frame on this CPU's stack (the env has a copy).
    fn trap_dispatch(bkl: &mut Bkl, e: usize, frame: &Trapframe) {
        let trapno = bkl.env(e).env_tf.trapno;
        match trapno {
            T_PGFLT => page_fault_handler(bkl, e),
            T_DEVICE => {
                let cpu = thiscpu(bkl.irq()).id;
                crate::fpu::device_not_available(bkl, cpu, e);
            }
            T_BRKPT | T_DEBUG => {
                print_trapframe(&bkl.env(e).env_tf);
                // The monitor may look at the env table (`envs`): it works on
                // a copy of the frame and the guard, and the frame goes back.
                let mut tf = bkl.env(e).env_tf;
                crate::monitor::monitor(Some(bkl), Some(&mut tf));
                bkl.env(e).env_tf = tf;
            }
            T_SYSCALL => syscall_from_frame(bkl, e, &frame.regs),
            t if (IRQ_OFFSET..IRQ_OFFSET + 32).contains(&t) => {
                let tf = bkl.env(e).env_tf;
                interrupt_dispatch(bkl, &tf);
            }
            _ => {
                print_trapframe(&bkl.env(e).env_tf);
                env::env_destroy(bkl, e);
            }
        }
    }

    /// Device and LAPIC interrupts, from user mode or a halted CPU.
    fn interrupt_dispatch(bkl: &mut Bkl, tf: &Trapframe) {
        match tf.trapno {
            t if t == IRQ_OFFSET + IRQ_TIMER => {
                lapic::lapic_eoi();
                if thiscpu(bkl.irq()).id == crate::mpconfig::bootcpu() {
                    TICKS.fetch_add(1, Ordering::Relaxed);
                }
                bkl.diverge(sched::sched_yield);
            }
            t if t == IRQ_OFFSET + IRQ_SPURIOUS => {
                // The 8259 reports these; they need no acknowledgement.
                cprintf!("Spurious interrupt on irq 7\n");
                print_trapframe(tf);
            }
            t if t == IRQ_OFFSET + IRQ_ERROR => {
                cprintf!("LAPIC error interrupt on CPU %d\n", thiscpu(bkl.irq()).id);
                lapic::lapic_eoi();
            }
            t if t == IRQ_OFFSET + IRQ_KBD || t == IRQ_OFFSET + IRQ_SERIAL => {
                // From the 8259 (auto-EOI): no LAPIC acknowledgement.
                crate::console::intr(bkl);
            }
            // Other device IRQs are not used.
            _ => {}
        }
    }

    /// A page fault in user mode: push a UTrapframe on the exception stack
    /// and resume at the env's upcall, or destroy an env that has none.
    fn page_fault_handler(bkl: &mut Bkl, e: usize) {
        let fault_va = x86::rcr2();
        let tf = bkl.env(e).env_tf;
        let upcall = bkl.env(e).env_pgfault_upcall;
        if upcall == 0 {
            cprintf!(
                "[%08x] user fault va %08x ip %08x\n",
                bkl.env(e).env_id,
                fault_va,
                tf.eip
            );
            print_trapframe(&bkl.env(e).env_tf);
            env::env_destroy(bkl, e);
            return;
        }
        if esp_in_uxstack_guard(tf.esp) {
            cprintf!(
                "[%08x] exception stack overflow: the handler's esp %08x is in the guard page below UXSTACKTOP-PGSIZE\n",
                bkl.env(e).env_id,
                tf.esp
            );
            env::env_destroy(bkl, e);
            return;
        }
        let utf_va = utrapframe_va(tf.esp);
        let size = core::mem::size_of::<UTrapframe>() as u32;
        let overflow = uxstack_overflows(tf.esp);
        if overflow {
            // JOS's user_mem_check line follows (tests match it); this
            // one says why. The guard page counts even if the env mapped it.
            cprintf!(
                "[%08x] exception stack overflow: the upcall frame at %08x runs into the guard page below UXSTACKTOP-PGSIZE\n",
                bkl.env(e).env_id,
                utf_va
            );
        }
        let mut frame = env::user_mem_assert(bkl, e, UserBuf::new(utf_va, size), PTE_U | PTE_W);
        if overflow {
            env::env_destroy(bkl, e);
            return;
        }
        frame.write(UTrapframe {
            utf_fault_va: fault_va,
            utf_err: tf.err,
            utf_regs: tf.regs,
            utf_eip: tf.eip,
            utf_eflags: tf.eflags,
            utf_esp: tf.esp,
        });
        let saved = &mut bkl.env(e).env_tf;
        saved.eip = upcall;
        saved.esp = utf_va;
    }

    /// JOS's trap-frame dump (the grader matches these lines).
    pub fn print_trapframe(tf: &Trapframe) {
        cprintf!(
            "TRAP frame at %p from CPU %d\n",
            tf as *const Trapframe as usize,
            crate::cpu::cpu_id()
        );
        print_regs(&tf.regs);
        cprintf!("  es   0x----%04x\n", tf.es);
        cprintf!("  ds   0x----%04x\n", tf.ds);
        cprintf!("  trap 0x%08x %s\n", tf.trapno, trapname(tf.trapno));
        if tf.trapno == T_PGFLT {
            cprintf!("  cr2  0x%08x\n", x86::rcr2());
            let (who, how, why) = page_fault_err_note(tf.err);
            cprintf!("  err  0x%08x [%s, %s, %s]\n", tf.err, who, how, why);
        } else {
            cprintf!("  err  0x%08x\n", tf.err);
        }
        cprintf!("  eip  0x%08x\n", tf.eip);
        cprintf!("  cs   0x----%04x\n", tf.cs);
        cprintf!("  flag 0x%08x\n", tf.eflags);
        if tf.cs & 3 != 0 {
            cprintf!("  esp  0x%08x\n", tf.esp);
            cprintf!("  ss   0x----%04x\n", tf.ss);
        }
    }

    pub fn print_regs(r: &PushRegs) {
        cprintf!("  edi  0x%08x\n", r.edi);
        cprintf!("  esi  0x%08x\n", r.esi);
        cprintf!("  ebp  0x%08x\n", r.ebp);
        cprintf!("  oesp 0x%08x\n", r.oesp);
        cprintf!("  ebx  0x%08x\n", r.ebx);
        cprintf!("  edx  0x%08x\n", r.edx);
        cprintf!("  ecx  0x%08x\n", r.ecx);
        cprintf!("  eax  0x%08x\n", r.eax);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upcall_frame_placement() {
        assert_eq!(utrapframe_va(0xEEBF_DFF0), UXSTACKTOP - 52);
        assert_eq!(utrapframe_va(UXSTACKTOP), UXSTACKTOP - 52);
        // Nested fault: below the trap-time esp, one word left empty.
        assert_eq!(utrapframe_va(UXSTACKTOP - 52), UXSTACKTOP - 52 - 4 - 52);
        assert_eq!(utrapframe_va(UXSTACKTOP - PGSIZE), UXSTACKTOP - PGSIZE - 56);
    }

    #[test]
    fn exception_stack_overflow() {
        // A first fault, from the normal stack, always fits.
        assert!(!uxstack_overflows(0xEEBF_DFF0));
        assert!(!uxstack_overflows(UXSTACKTOP));
        // Nested faults fit while the 56 bytes stay on the page.
        assert!(!uxstack_overflows(UXSTACKTOP - 52));
        assert!(!uxstack_overflows(UXSTACKTOP - PGSIZE + 56));
        assert!(uxstack_overflows(UXSTACKTOP - PGSIZE + 55));
        assert!(uxstack_overflows(UXSTACKTOP - PGSIZE));
        // A handler whose own pushes left the page: its esp is in the guard.
        assert!(esp_in_uxstack_guard(UXSTACKTOP - PGSIZE - 4));
        assert!(esp_in_uxstack_guard(USTACKTOP + 1));
        assert!(!esp_in_uxstack_guard(USTACKTOP), "the normal stack's top");
        assert!(!esp_in_uxstack_guard(UXSTACKTOP - PGSIZE));
    }

    #[test]
    fn lapic_interrupts_need_an_eoi() {
        assert!(needs_lapic_eoi(IRQ_OFFSET + IRQ_TIMER));
        assert!(needs_lapic_eoi(IRQ_OFFSET + IRQ_ERROR));
        assert!(!needs_lapic_eoi(T_SYSCALL));
        assert!(!needs_lapic_eoi(T_PGFLT));
        assert!(!needs_lapic_eoi(IRQ_OFFSET + IRQ_SPURIOUS));
    }

    #[test]
    fn gates() {
        // Task gate to TSS selector 0x68: type 5, P, DPL 0 = 0x85.
        assert_eq!(task_gate(0x68), 0x0000_8500_0068_0000);
        // Handler 0xF0123456, kernel code, DPL 3: type 0xE, P, DPL 3 = 0xEE.
        assert_eq!(interrupt_gate(0xF012_3456, 0x08, 3), 0xF012_EE00_0008_3456);
        assert_eq!(interrupt_gate(0xF012_3456, 0x08, 0) >> 40 & 0xFF, 0x8E);
    }

    #[test]
    fn page_fault_notes() {
        assert_eq!(page_fault_err_note(4), ("user", "read", "not-present"));
        assert_eq!(page_fault_err_note(7), ("user", "write", "protection"));
        assert_eq!(page_fault_err_note(0), ("kernel", "read", "not-present"));
    }
}
