//! Segmentation: the global descriptor table and each CPU's task state.
//!
//! Segments are flat (base 0, limit 4 GiB); they only carry privilege. The
//! GDT holds, in JOS's order: null, kernel code GD_KT, kernel data GD_KD,
//! user code GD_UT, user data GD_UD, then one TSS per CPU from GD_TSS0, then
//! each CPU's double-fault TSS from GD_DFTSS0 (kern/src/dblfault.rs). The
//! order of the first four matters to `sysenter`/`sysexit`, which derive the
//! kernel SS and the user CS/SS from GD_KT (+8, +16, +24).

pub const GD_KT: u16 = 0x08;
pub const GD_KD: u16 = 0x10;
pub const GD_UT: u16 = 0x18;
pub const GD_UD: u16 = 0x20;
pub const GD_TSS0: u16 = 0x28;
/// The double-fault tasks' TSSs, one per CPU, after the CPUs' own.
pub const GD_DFTSS0: u16 = GD_TSS0 + 8 * inc::memlayout::NCPU as u16;

/// Requested privilege level 3, or'd into user selectors.
pub const RPL_USER: u16 = 3;

#[cfg_attr(not(target_os = "none"), allow(dead_code))]
const STA_X: u8 = 0x8; // executable
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
const STA_W: u8 = 0x2; // writable data
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
const STA_R: u8 = 0x2; // readable code
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
const STS_T32A: u8 = 0x9; // available 32-bit TSS

/// A segment descriptor as the CPU reads it (Intel SDM vol. 3, 3.4.5).
/// `kind` is the 4-bit type; `system` is false for code and data.
pub const fn seg_desc(kind: u8, base: u32, limit: u32, dpl: u8, system: bool, pages: bool) -> u64 {
    let limit = if pages { limit >> 12 } else { limit };
    let mut access = kind as u64 | (dpl as u64 & 3) << 5 | 1 << 7; // present
    if !system {
        access |= 1 << 4;
    }
    // Granularity (4 KB units) and 32-bit default size for code and data.
    let flags: u64 = if pages { 0b1100 } else { 0 };
    (limit as u64 & 0xFFFF)
        | (base as u64 & 0xFF_FFFF) << 16
        | access << 40
        | (limit as u64 >> 16 & 0xF) << 48
        | flags << 52
        | (base as u64 >> 24) << 56
}

/// A flat 4 GiB code or data segment.
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
const fn flat(kind: u8, dpl: u8) -> u64 {
    seg_desc(kind, 0, 0xFFFF_FFFF, dpl, false, true)
}

/// The 32-bit task-state segment (Intel SDM vol. 3, 8.2.1). A CPU's own
/// TSS uses only the ring-0 stack (where the CPU switches on a trap from
/// user mode) and the I/O map base, set past the end so that every
/// `in`/`out` from user mode faults; the CPU saves its registers there when
/// a double fault switches to the double-fault task, whose TSS holds the
/// registers that task starts with.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TaskState {
    pub prev_task: u32,
    pub esp0: u32,
    pub ss0: u32,
    ring12: [u32; 4],
    pub cr3: u32,
    pub eip: u32,
    pub eflags: u32,
    gprs: [u32; 4], // eax, ecx, edx, ebx
    pub esp: u32,
    others: [u32; 3], // ebp, esi, edi
    pub es: u32,
    pub cs: u32,
    pub ss: u32,
    pub ds: u32,
    pub fs: u32,
    pub gs: u32,
    ldt: u32,
    trap: u16,
    pub iomb: u16,
}

pub const TSS_SIZE: usize = core::mem::size_of::<TaskState>();

impl TaskState {
    pub const fn new() -> TaskState {
        TaskState {
            prev_task: 0,
            esp0: 0,
            ss0: 0,
            ring12: [0; 4],
            cr3: 0,
            eip: 0,
            eflags: 0,
            gprs: [0; 4],
            esp: 0,
            others: [0; 3],
            es: 0,
            cs: 0,
            ss: 0,
            ds: 0,
            fs: 0,
            gs: 0,
            ldt: 0,
            trap: 0,
            iomb: TSS_SIZE as u16,
        }
    }

    /// A kernel task that starts at `eip` on the stack `esp` with the page
    /// directory `cr3`, interrupts off (eflags holds only its fixed bit).
    pub const fn kernel_task(eip: u32, esp: u32, cr3: u32) -> TaskState {
        let mut t = TaskState::new();
        (t.eip, t.esp, t.cr3, t.eflags) = (eip, esp, cr3, 0x2);
        (t.esp0, t.ss0) = (esp, GD_KD as u32);
        t.cs = GD_KT as u32;
        let kd = GD_KD as u32;
        (t.ss, t.ds, t.es, t.fs, t.gs) = (kd, kd, kd, kd, kd);
        t
    }
}

impl Default for TaskState {
    fn default() -> Self {
        Self::new()
    }
}

/// The selector of CPU `cpu`'s TSS.
pub const fn tss_selector(cpu: usize) -> u16 {
    GD_TSS0 + 8 * cpu as u16
}

/// The selector of CPU `cpu`'s double-fault TSS.
pub const fn df_tss_selector(cpu: usize) -> u16 {
    GD_DFTSS0 + 8 * cpu as u16
}

#[cfg(target_os = "none")]
pub use self::table::load;

#[cfg(target_os = "none")]
mod table {
    use super::*;
    use crate::bkl::PerCpuCell;
    use crate::x86;
    use inc::memlayout::NCPU;

    const NSEG: usize = 5 + 2 * NCPU;

    /// The GDT, shared by every CPU; each CPU fills in only its own TSS slot.
    static GDT: PerCpuCell<[u64; NSEG]> = PerCpuCell::new({
        let mut g = [0u64; NSEG];
        g[1] = flat(STA_X | STA_R, 0);
        g[2] = flat(STA_W, 0);
        g[3] = flat(STA_X | STA_R, 3);
        g[4] = flat(STA_W, 3);
        g
    });

    /// Loads the GDT on this CPU, reloads every segment register, installs
    /// `me`'s task state (which stays put: every `Cpu` lives in a static
    /// array, and the CPU reads esp0 from it on every trap) and loads the
    /// task register. `df` is its double-fault task's TSS (static too).
    pub fn load(me: &crate::cpu::Cpu, df: *const TaskState) {
        let cpu = me.id;
        let base = me.ts_ptr() as u32;
        let gdt = GDT.as_ptr();
        let limit = TSS_SIZE as u32 - 1;
        // SAFETY: slots 5 + cpu and 5 + NCPU + cpu belong to this CPU alone
        // (APs get here before they take the big kernel lock, each writing
        // its own slots).
        unsafe {
            (*gdt)[5 + cpu] = seg_desc(STS_T32A, base, limit, 0, true, false);
            (*gdt)[5 + NCPU + cpu] = seg_desc(STS_T32A, df as u32, limit, 0, true, false);
        }
        let ptr = x86::DescriptorTablePointer {
            limit: (core::mem::size_of::<[u64; NSEG]>() - 1) as u16,
            base: gdt as u32,
        };
        // SAFETY: GDT is static and holds flat kernel segments at GD_KT/GD_KD,
        // so reloading the segment registers keeps every address valid; the
        // TSS slot was just written with an available TSS that lives forever.
        unsafe {
            x86::lgdt(&ptr);
            x86::load_fs_gs(GD_UD | RPL_USER);
            x86::load_kernel_data_segments(GD_KD);
            x86::load_cs(GD_KT);
            x86::lldt(0);
            x86::ltr(tss_selector(cpu));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_segments_match_the_manual() {
        assert_eq!(flat(STA_X | STA_R, 0), 0x00CF_9A00_0000_FFFF);
        assert_eq!(flat(STA_W, 0), 0x00CF_9200_0000_FFFF);
        assert_eq!(flat(STA_X | STA_R, 3), 0x00CF_FA00_0000_FFFF);
        assert_eq!(flat(STA_W, 3), 0x00CF_F200_0000_FFFF);
    }

    #[test]
    fn tss_descriptor() {
        assert_eq!(TSS_SIZE, 104);
        let d = seg_desc(STS_T32A, 0xF012_3456, 103, 0, true, false);
        assert_eq!(d, 0xF000_8912_3456_0067);
        assert_eq!(tss_selector(0), 0x28);
        assert_eq!(tss_selector(3), 0x40);
        assert_eq!(TaskState::new().iomb, 104);
        assert_eq!(
            df_tss_selector(0),
            GD_TSS0 + 8 * inc::memlayout::NCPU as u16
        );
        // The fields the CPU reads, at the manual's offsets.
        let t = TaskState::kernel_task(0xF010_0000, 0xF020_0000, 0x0011_5000);
        use core::mem::offset_of;
        assert_eq!(offset_of!(TaskState, cr3), 0x1C);
        assert_eq!(offset_of!(TaskState, eip), 0x20);
        assert_eq!(offset_of!(TaskState, eflags), 0x24);
        assert_eq!(offset_of!(TaskState, esp), 0x38);
        assert_eq!(offset_of!(TaskState, es), 0x48);
        assert_eq!(offset_of!(TaskState, cs), 0x4C);
        assert_eq!(offset_of!(TaskState, gs), 0x5C);
        assert_eq!(offset_of!(TaskState, iomb), 0x66);
        assert_eq!(
            (t.eip, t.esp, t.cr3, t.eflags),
            (0xF010_0000, 0xF020_0000, 0x0011_5000, 2)
        );
        assert_eq!((t.cs, t.ss), (u32::from(GD_KT), u32::from(GD_KD)));
    }
}
