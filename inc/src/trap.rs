//! Trap numbers and the register frames the kernel and user space exchange.

use bytemuck::{Pod, Zeroable};

pub const T_DIVIDE: u32 = 0;
pub const T_DEBUG: u32 = 1;
pub const T_NMI: u32 = 2;
pub const T_BRKPT: u32 = 3;
pub const T_OFLOW: u32 = 4;
pub const T_BOUND: u32 = 5;
pub const T_ILLOP: u32 = 6;
pub const T_DEVICE: u32 = 7;
pub const T_DBLFLT: u32 = 8;
pub const T_TSS: u32 = 10;
pub const T_SEGNP: u32 = 11;
pub const T_STACK: u32 = 12;
pub const T_GPFLT: u32 = 13;
pub const T_PGFLT: u32 = 14;
pub const T_FPERR: u32 = 16;
pub const T_ALIGN: u32 = 17;
pub const T_MCHK: u32 = 18;
pub const T_SIMDERR: u32 = 19;
pub const T_SYSCALL: u32 = 48;
pub const T_DEFAULT: u32 = 500;

pub const IRQ_OFFSET: u32 = 32;
pub const IRQ_TIMER: u32 = 0;
pub const IRQ_KBD: u32 = 1;
pub const IRQ_SERIAL: u32 = 4;
pub const IRQ_SPURIOUS: u32 = 7;
pub const IRQ_IDE: u32 = 14;
pub const IRQ_ERROR: u32 = 19;

/// Registers in `pusha` order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct PushRegs {
    pub edi: u32,
    pub esi: u32,
    pub ebp: u32,
    /// Useless: `popa` ignores it.
    pub oesp: u32,
    pub ebx: u32,
    pub edx: u32,
    pub ecx: u32,
    pub eax: u32,
}

/// What the trap entry code saves, 68 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct Trapframe {
    pub regs: PushRegs,
    pub es: u16,
    pub padding1: u16,
    pub ds: u16,
    pub padding2: u16,
    pub trapno: u32,
    /// Error code (pushed by the hardware or as 0 by the entry stub).
    pub err: u32,
    pub eip: u32,
    pub cs: u16,
    pub padding3: u16,
    pub eflags: u32,
    /// Only meaningful when the trap came from user mode.
    pub esp: u32,
    pub ss: u16,
    pub padding4: u16,
}

/// What the kernel pushes on the user exception stack for a page-fault upcall, 52 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct UTrapframe {
    pub utf_fault_va: u32,
    pub utf_err: u32,
    pub utf_regs: PushRegs,
    pub utf_eip: u32,
    pub utf_eflags: u32,
    pub utf_esp: u32,
}

/// JOS's name for a trap number, as the trap-frame dump prints it.
pub fn trapname(trapno: u32) -> &'static str {
    const NAMES: [&str; 20] = [
        "Divide error",
        "Debug",
        "Non-Maskable Interrupt",
        "Breakpoint",
        "Overflow",
        "BOUND Range Exceeded",
        "Invalid Opcode",
        "Device Not Available",
        "Double Fault",
        "Coprocessor Segment Overrun",
        "Invalid TSS",
        "Segment Not Present",
        "Stack Fault",
        "General Protection",
        "Page Fault",
        "(unknown trap)",
        "x87 FPU Floating-Point Error",
        "Alignment Check",
        "Machine-Check",
        "SIMD Floating-Point Exception",
    ];
    match trapno {
        n if (n as usize) < NAMES.len() => NAMES[n as usize],
        T_SYSCALL => "System call",
        n if (IRQ_OFFSET..IRQ_OFFSET + 16).contains(&n) => "Hardware Interrupt",
        _ => "(unknown trap)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts_match_jos() {
        assert_eq!(size_of::<PushRegs>(), 32);
        assert_eq!(size_of::<Trapframe>(), 68);
        assert_eq!(offset_of!(Trapframe, es), 32);
        assert_eq!(offset_of!(Trapframe, ds), 36);
        assert_eq!(offset_of!(Trapframe, trapno), 40);
        assert_eq!(offset_of!(Trapframe, err), 44);
        assert_eq!(offset_of!(Trapframe, eip), 48);
        assert_eq!(offset_of!(Trapframe, cs), 52);
        assert_eq!(offset_of!(Trapframe, eflags), 56);
        assert_eq!(offset_of!(Trapframe, esp), 60);
        assert_eq!(offset_of!(Trapframe, ss), 64);
        assert_eq!(size_of::<UTrapframe>(), 52);
        assert_eq!(offset_of!(UTrapframe, utf_regs), 8);
        assert_eq!(offset_of!(UTrapframe, utf_eip), 40);
        assert_eq!(offset_of!(UTrapframe, utf_esp), 48);
    }

    #[test]
    fn names() {
        assert_eq!(trapname(0), "Divide error");
        assert_eq!(trapname(14), "Page Fault");
        assert_eq!(trapname(15), "(unknown trap)");
        assert_eq!(trapname(48), "System call");
        assert_eq!(trapname(33), "Hardware Interrupt");
        assert_eq!(trapname(200), "(unknown trap)");
    }
}
