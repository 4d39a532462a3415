//! Traps, interrupts and the system-call entry (JOS's trap.c).
//!
//! `trapentry.S` turns every trap into a call of [`trap`] with a Trapframe on
//! this CPU's kernel stack. A trap from user mode takes the big kernel lock
//! and copies the frame into the env, so that the env can be resumed from
//! there (by this or another CPU) after anything else has run. `sysenter`
//! arrives through [`sysenter_trap`] with the same kind of frame.

use inc::memlayout::{PGSIZE, UXSTACKTOP};
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
    use crate::bkl::BklCell;
    use crate::cpu::{curenv, thiscpu, CPU_HALTED, CPU_STARTED};
    use crate::env::{self, env};
    use crate::gdt::{self, GD_KD, GD_KT};
    use crate::userptr::UserBuf;
    use crate::{lapic, pmap, sched, spinlock, syscall, x86};
    use core::sync::atomic::{AtomicU32, Ordering};
    use inc::env::{ENV_DYING, ENV_NOT_RUNNABLE, ENV_RUNNING};
    use inc::mmu::{FL_TF, PTE_U, PTE_W};
    use inc::syscall::Syscall;

    core::arch::global_asm!(include_str!("trapentry.S"), options(att_syntax));

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

    static IDT: BklCell<[u64; 256]> = BklCell::new([0; 256]);

    /// Timer interrupts counted on the boot CPU (sys_time_msec).
    pub static TICKS: AtomicU32 = AtomicU32::new(0);

    const MSR_SYSENTER_CS: u32 = 0x174;
    const MSR_SYSENTER_ESP: u32 = 0x175;
    const MSR_SYSENTER_EIP: u32 = 0x176;
    const CPUID_1_EDX_SEP: u32 = 1 << 11;

    /// Builds the IDT from the entry stubs (once, on the boot CPU), then sets
    /// up this CPU.
    pub fn trap_init() {
        // SAFETY: the two symbols bracket the table trapentry.S emitted.
        let entries = unsafe {
            let start = trap_entries.as_ptr();
            let n = trap_entries_end.as_ptr().offset_from(start) as usize;
            core::slice::from_raw_parts(start, n)
        };
        // SAFETY: only the boot CPU runs this, before any other CPU starts.
        let idt = unsafe { &mut *IDT.as_ptr() };
        for e in entries {
            let dpl = if e.vector == T_BRKPT || e.vector == T_SYSCALL {
                3
            } else {
                0
            };
            idt[e.vector as usize] = interrupt_gate(e.handler, GD_KT, dpl);
        }
        trap_init_percpu();
    }

    /// Loads this CPU's GDT, TSS and IDT, and points `sysenter` at the kernel.
    pub fn trap_init_percpu() {
        let me = thiscpu();
        let top = pmap::kstack_top(me.id);
        me.ts.esp0 = top;
        me.ts.ss0 = GD_KD as u32;
        gdt::load(me.id, &me.ts);
        let ptr = x86::DescriptorTablePointer {
            limit: (core::mem::size_of::<[u64; 256]>() - 1) as u16,
            base: IDT.as_ptr() as u32,
        };
        // SAFETY: the IDT is static and every present gate points at a stub
        // in trapentry.S with the kernel code selector.
        unsafe { x86::lidt(&ptr) };
        if x86::cpuid(1).3 & CPUID_1_EDX_SEP == 0 {
            cprintf!(
                "CPU %d: no sysenter; system calls use int $0x30 only\n",
                me.id
            );
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

    /// Enters the kernel from user mode: takes the big kernel lock and
    /// moves the frame into the current env. Returns the env and its frame,
    /// or frees a DYING env and reschedules.
    fn enter_from_user(tf: &Trapframe) -> (usize, &'static mut Trapframe) {
        spinlock::lock_kernel();
        let e = curenv().expect("trap from user mode with no current env");
        if env(e).env_status == ENV_DYING {
            // This trap is never dispatched: acknowledge a timer interrupt
            // here, or the LAPIC would send this CPU no more of them.
            if needs_lapic_eoi(tf.trapno) {
                lapic::lapic_eoi();
            }
            env::env_free(e);
            thiscpu().env = None;
            sched::sched_yield();
        }
        // Stopped while it ran here: this trap still completes (a system
        // call returns its result into the saved frame), then the CPU
        // moves on, as if the env had been NOT_RUNNABLE all along.
        if core::mem::take(&mut env::KERNEL_STATE.get()[e].stop_requested) {
            env::set_status(e, ENV_NOT_RUNNABLE);
        }
        env(e).env_tf = *tf;
        (e, &mut env(e).env_tf)
    }

    /// Called by `alltraps` with the frame it built; never returns.
    #[no_mangle]
    extern "C" fn trap(tf: *mut Trapframe) -> ! {
        // SAFETY: alltraps passes the frame it just built on this stack.
        let frame = unsafe { &mut *tf };
        let from_user = frame.cs & 3 == 3;
        if !from_user && thiscpu().status == CPU_HALTED {
            // Woken from sched_halt: this CPU gave up the lock when it halted.
            thiscpu().status = CPU_STARTED;
            spinlock::lock_kernel();
        } else if !from_user && frame.trapno == T_DEBUG {
            // A user who single-steps `sysenter` keeps TF into the kernel's
            // first instruction; drop it here (the saved user eflags keep it).
            frame.eflags &= !FL_TF;
            // SAFETY: `frame` is a kernel-mode frame on the current stack.
            unsafe { env_pop_tf(frame) }
        }
        let tf = if from_user {
            enter_from_user(frame).1
        } else {
            frame
        };
        trap_dispatch(tf);
        match curenv() {
            Some(e) if env(e).env_status == ENV_RUNNING => env::env_run(e),
            _ => sched::sched_yield(),
        }
    }

    /// Called by `sysenter_entry`. Runs the system call; if the same env
    /// simply continues, releases the lock and returns its frame for
    /// `sysexit`. Anything else (it blocked, yielded, died, or replaced its
    /// own frame) leaves through the scheduler as `trap` would.
    #[no_mangle]
    extern "C" fn sysenter_trap(tf: *mut Trapframe) -> *const Trapframe {
        // SAFETY: sysenter_entry passes the frame it just built on this stack.
        let (e, tf) = enter_from_user(unsafe { &*tf });
        let num = tf.regs.eax;
        let r = &tf.regs;
        tf.regs.eax = syscall::syscall(num, r.edx, r.ecx, r.ebx, r.edi, r.esi) as u32;
        let same_env = curenv() == Some(e) && env(e).env_status == ENV_RUNNING;
        if !same_env {
            sched::sched_yield();
        }
        if tf.eflags & FL_TF != 0 || num == Syscall::EnvSetTrapframe as u32 {
            env::env_run(e); // iret restores everything, TF and all registers
        }
        spinlock::unlock_kernel();
        tf
    }

    fn trap_dispatch(tf: &mut Trapframe) {
        let from_user = tf.cs & 3 == 3;
        match tf.trapno {
            T_PGFLT => page_fault_handler(tf),
            T_BRKPT | T_DEBUG if from_user => {
                print_trapframe(tf);
                crate::monitor::monitor(Some(tf));
            }
            T_SYSCALL if from_user => {
                let r = &tf.regs;
                let ret = syscall::syscall(r.eax, r.edx, r.ecx, r.ebx, r.edi, r.esi);
                tf.regs.eax = ret as u32;
            }
            t if t == IRQ_OFFSET + IRQ_TIMER => {
                lapic::lapic_eoi();
                if thiscpu().id == crate::mpconfig::bootcpu() {
                    TICKS.fetch_add(1, Ordering::Relaxed);
                }
                sched::sched_yield();
            }
            t if t == IRQ_OFFSET + IRQ_SPURIOUS => {
                // The 8259 reports these; they need no acknowledgement.
                cprintf!("Spurious interrupt on irq 7\n");
                print_trapframe(tf);
            }
            t if t == IRQ_OFFSET + IRQ_ERROR => {
                cprintf!("LAPIC error interrupt on CPU %d\n", thiscpu().id);
                lapic::lapic_eoi();
            }
            t if t == IRQ_OFFSET + IRQ_KBD || t == IRQ_OFFSET + IRQ_SERIAL => {
                // From the 8259 (auto-EOI): no LAPIC acknowledgement.
                crate::console::intr();
            }
            t if (IRQ_OFFSET..IRQ_OFFSET + 16).contains(&t) => {
                // Other device IRQs are not used.
            }
            _ => {
                print_trapframe(tf);
                if !from_user {
                    panic!("unhandled trap {} in kernel", tf.trapno);
                }
                env::env_destroy(curenv().expect("user trap with no env"));
            }
        }
    }

    fn page_fault_handler(tf: &mut Trapframe) {
        let fault_va = x86::rcr2();
        if tf.cs & 3 == 0 {
            print_trapframe(tf);
            panic!(
                "kernel page fault at va {:08x}, eip {:08x}",
                fault_va, tf.eip
            );
        }
        let e = curenv().expect("user page fault with no env");
        let upcall = env(e).env_pgfault_upcall;
        if upcall == 0 {
            cprintf!(
                "[%08x] user fault va %08x ip %08x\n",
                env(e).env_id,
                fault_va,
                tf.eip
            );
            print_trapframe(tf);
            env::env_destroy(e);
            return;
        }
        let utf_va = utrapframe_va(tf.esp);
        let size = core::mem::size_of::<UTrapframe>() as u32;
        let mut frame = env::user_mem_assert(e, UserBuf::new(utf_va, size), PTE_U | PTE_W);
        frame.write(UTrapframe {
            utf_fault_va: fault_va,
            utf_err: tf.err,
            utf_regs: tf.regs,
            utf_eip: tf.eip,
            utf_eflags: tf.eflags,
            utf_esp: tf.esp,
        });
        tf.eip = upcall;
        tf.esp = utf_va;
    }

    /// JOS's trap-frame dump (the grader matches these lines).
    pub fn print_trapframe(tf: &Trapframe) {
        cprintf!(
            "TRAP frame at %p from CPU %d\n",
            tf as *const Trapframe as usize,
            thiscpu().id
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
    fn lapic_interrupts_need_an_eoi() {
        assert!(needs_lapic_eoi(IRQ_OFFSET + IRQ_TIMER));
        assert!(needs_lapic_eoi(IRQ_OFFSET + IRQ_ERROR));
        assert!(!needs_lapic_eoi(T_SYSCALL));
        assert!(!needs_lapic_eoi(T_PGFLT));
        assert!(!needs_lapic_eoi(IRQ_OFFSET + IRQ_SPURIOUS));
    }

    #[test]
    fn gates() {
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
