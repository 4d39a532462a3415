//! Finding the CPUs through the MP configuration table (JOS lab 4), and
//! starting the application processors (APs).
//!
//! The BIOS describes the machine in Intel's MultiProcessor Specification
//! 1.4 format: a 16-byte "floating pointer" (signature `_MP_`) somewhere in
//! low memory points at a configuration table (signature `PCMP`) whose
//! entries list the processors, their local APIC ids and which one booted.
//! The parser below is pure logic on byte slices (tested on the host); only
//! `mp_init` and `boot_aps` touch the machine.

use inc::memlayout::NCPU;
use spin::Once;

/// Size of the MP floating pointer structure (one 16-byte paragraph).
const FLOAT_LEN: usize = 16;
/// Size of the configuration table header, before the first entry.
const HEADER_LEN: usize = 44;
/// Entry type of a processor entry (20 bytes); every other type is 8 bytes.
const ENTRY_PROCESSOR: u8 = 0;
const PROCESSOR_LEN: usize = 20;
const OTHER_ENTRY_LEN: usize = 8;
/// Processor entry flags.
const CPU_ENABLED: u8 = 0x01;
const CPU_BOOT: u8 = 0x02;

/// What the floating pointer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloatingPointer {
    /// Physical address of the configuration table (0 = none).
    pub config_pa: u32,
    /// Non-zero: one of the spec's default configurations, no table.
    pub default_config: u8,
    /// The IMCR is present: the machine boots in PIC mode.
    pub imcrp: bool,
}

/// Why a table was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpError {
    BadSignature,
    BadChecksum,
    BadExtendedChecksum,
    BadVersion(u8),
    /// The table claims more bytes than we were given.
    Truncated,
    UnknownEntry(u8),
    NoProcessors,
    /// The floating pointer names one of the spec's default configurations.
    DefaultConfig,
}

impl MpError {
    /// A short description for the kernel log.
    pub fn describe(self) -> &'static str {
        match self {
            MpError::BadSignature => "bad signature",
            MpError::BadChecksum => "bad checksum",
            MpError::BadExtendedChecksum => "bad extended table checksum",
            MpError::BadVersion(_) => "unsupported version",
            MpError::Truncated => "truncated table",
            MpError::UnknownEntry(_) => "unknown entry type",
            MpError::NoProcessors => "no processors listed",
            MpError::DefaultConfig => "default configuration, not supported",
        }
    }
}

/// The machine as the configuration table describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpInfo {
    /// Physical address of every CPU's local APIC (0 = none known).
    pub lapic_pa: u32,
    /// Local APIC id of CPU i, for i < ncpu.
    pub apic_ids: [u8; NCPU],
    pub ncpu: usize,
    /// Index (into `apic_ids`) of the CPU that booted.
    pub bootcpu: usize,
    /// Enabled processors left out because NCPU was reached.
    pub ignored: usize,
    pub imcrp: bool,
}

impl MpInfo {
    /// The one-CPU machine assumed when no table can be found.
    pub const fn uniprocessor() -> MpInfo {
        MpInfo {
            lapic_pa: 0,
            apic_ids: [0; NCPU],
            ncpu: 1,
            bootcpu: 0,
            ignored: 0,
            imcrp: false,
        }
    }

    /// The CPU-table index of the CPU whose local APIC id is `apic_id`.
    pub fn cpu_of_apic(&self, apic_id: u8) -> Option<usize> {
        self.apic_ids[..self.ncpu]
            .iter()
            .position(|&id| id == apic_id)
    }
}

/// The bytes of `b` summed mod 256; a valid MP structure sums to 0.
fn sum(b: &[u8]) -> u8 {
    b.iter().fold(0u8, |s, &x| s.wrapping_add(x))
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// Searches `region` (which starts on a 16-byte boundary) for a valid
/// floating pointer: signature `_MP_` on a paragraph boundary and a zero
/// checksum over its length (given in paragraphs at byte 8).
pub fn find_floating_pointer(region: &[u8]) -> Option<FloatingPointer> {
    (0..region.len())
        .step_by(FLOAT_LEN)
        .map(|off| &region[off..])
        .find(|fp| {
            let paragraphs = *fp.get(8).unwrap_or(&0) as usize;
            fp.starts_with(b"_MP_")
                && paragraphs >= 1
                && fp.len() >= paragraphs * FLOAT_LEN
                && sum(&fp[..paragraphs * FLOAT_LEN]) == 0
        })
        .map(|fp| FloatingPointer {
            config_pa: u32_at(fp, 4),
            default_config: fp[11],
            imcrp: fp[12] & 0x80 != 0,
        })
}

/// The full size of the configuration table whose header is `header`
/// (base table plus extended entries), if the header is long enough.
pub fn config_table_len(header: &[u8]) -> Option<usize> {
    if header.len() < HEADER_LEN {
        return None;
    }
    Some(u16_at(header, 4) as usize + u16_at(header, 40) as usize)
}

/// Checks the configuration table `table` (base and extended parts) and
/// collects its enabled processors, at most NCPU of them. The boot CPU is
/// always kept, even when it is listed after NCPU others.
pub fn parse_config(table: &[u8], imcrp: bool) -> Result<MpInfo, MpError> {
    let len = config_table_len(table).ok_or(MpError::Truncated)?;
    if !table.starts_with(b"PCMP") {
        return Err(MpError::BadSignature);
    }
    if table.len() < len {
        return Err(MpError::Truncated);
    }
    let base_len = u16_at(table, 4) as usize;
    if base_len < HEADER_LEN {
        return Err(MpError::Truncated);
    }
    let version = table[6];
    if version != 1 && version != 4 {
        return Err(MpError::BadVersion(version));
    }
    if sum(&table[..base_len]) != 0 {
        return Err(MpError::BadChecksum);
    }
    // The extended table's checksum byte (42) makes its bytes sum to 0.
    if sum(&table[base_len..len]).wrapping_add(table[42]) != 0 {
        return Err(MpError::BadExtendedChecksum);
    }

    let mut info = MpInfo {
        lapic_pa: u32_at(table, 36),
        ncpu: 0,
        imcrp,
        ..MpInfo::uniprocessor()
    };
    let mut off = HEADER_LEN;
    for _ in 0..u16_at(table, 34) {
        let kind = *table[..base_len].get(off).ok_or(MpError::Truncated)?;
        let entry_len = match kind {
            ENTRY_PROCESSOR => PROCESSOR_LEN,
            1..=4 => OTHER_ENTRY_LEN,
            _ => return Err(MpError::UnknownEntry(kind)),
        };
        let entry = table[..base_len]
            .get(off..off + entry_len)
            .ok_or(MpError::Truncated)?;
        if kind == ENTRY_PROCESSOR {
            add_processor(&mut info, entry[1], entry[3]);
        }
        off += entry_len;
    }
    if info.ncpu == 0 {
        return Err(MpError::NoProcessors);
    }
    Ok(info)
}

/// Records one processor entry (local APIC id, flags).
fn add_processor(info: &mut MpInfo, apic_id: u8, flags: u8) {
    if flags & CPU_ENABLED == 0 {
        return;
    }
    let is_boot = flags & CPU_BOOT != 0;
    let slot = if info.ncpu < NCPU {
        info.ncpu += 1;
        info.ncpu - 1
    } else if is_boot {
        // Full: the boot CPU must be in the table, so it replaces the last AP.
        info.ignored += 1;
        NCPU - 1
    } else {
        info.ignored += 1;
        return;
    };
    info.apic_ids[slot] = apic_id;
    if is_boot {
        info.bootcpu = slot;
    }
}

/// The table `mp_init` found (the uniprocessor default until then).
static MP: Once<MpInfo> = Once::new();

fn info() -> &'static MpInfo {
    const DEFAULT: MpInfo = MpInfo::uniprocessor();
    MP.get().unwrap_or(&DEFAULT)
}

/// Number of CPUs found (at least 1, at most NCPU).
pub fn ncpu() -> usize {
    info().ncpu
}

/// Index of the boot CPU.
pub fn bootcpu() -> usize {
    info().bootcpu
}

/// Local APIC id of CPU `cpu` (`cpu < ncpu()`).
pub fn apic_id(cpu: usize) -> u8 {
    info().apic_ids[cpu]
}

/// The CPU-table index of the CPU with local APIC id `apic_id`.
pub fn cpu_of_apic(apic_id: u8) -> Option<usize> {
    info().cpu_of_apic(apic_id)
}

/// Physical address of the local APIC (0 if there is no MP table).
pub fn lapic_pa() -> u32 {
    info().lapic_pa
}

#[cfg(target_os = "none")]
pub use self::machine::*;

/// The parts that read the BIOS's memory and start CPUs.
#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::addr::PhysAddr;
    use core::sync::atomic::{AtomicUsize, Ordering};

    // The AP start code: copied to MPENTRY_PADDR by `boot_aps`.
    core::arch::global_asm!(
        include_str!("../../boot/mpentry.S"),
        MPENTRY_PADDR = const inc::memlayout::MPENTRY_PADDR,
        KERNBASE = const inc::memlayout::KERNBASE,
        CR0_PE = const inc::mmu::CR0_PE,
        CR0_ON = const crate::pmap::CR0_KERNEL_ON,
        CR0_OFF = const crate::pmap::CR0_KERNEL_OFF,
        CR4_PSE = const inc::mmu::CR4_PSE,
        GD_KT = const crate::gdt::GD_KT,
        GD_KD = const crate::gdt::GD_KD,
        options(att_syntax)
    );

    /// `len` bytes of physical memory at `pa`, read through the direct map.
    ///
    /// # Safety
    /// The range must be mapped at KERNBASE + pa and hold no Rust object.
    unsafe fn phys_bytes(pa: u32, len: usize) -> Option<&'static [u8]> {
        let va = PhysAddr(pa).to_kva()?;
        PhysAddr(pa.checked_add(len as u32)?).to_kva()?;
        // SAFETY: the caller guarantees the range is mapped firmware memory.
        Some(unsafe { core::slice::from_raw_parts(va.as_ptr::<u8>(), len) })
    }

    /// The floating pointer, searched where the spec says it may be: the
    /// first KB of the EBDA, the last KB of base memory, the BIOS ROM.
    fn find_mp() -> Option<FloatingPointer> {
        // SAFETY: the BIOS data area and the areas below 1 MB are firmware
        // memory, mapped at KERNBASE by both the entry and kernel page tables.
        let bda = unsafe { phys_bytes(0x400, 0x100)? };
        let ebda = (u16_at(bda, 0x0E) as u32) << 4;
        let basemem_top = u16_at(bda, 0x13) as u32 * 1024;
        let candidates = [
            (ebda, 1024),
            (basemem_top.wrapping_sub(1024), 1024),
            (0xF0000, 0x10000),
        ];
        candidates
            .iter()
            .filter(|&&(pa, _)| pa != 0 && pa < 0x10_0000)
            // SAFETY: as above; every candidate lies below 1 MB.
            .filter_map(|&(pa, len)| unsafe { phys_bytes(pa, len) })
            .find_map(find_floating_pointer)
    }

    /// Reads the configuration table named by `fp`.
    fn read_config(fp: &FloatingPointer) -> Result<MpInfo, MpError> {
        if fp.config_pa == 0 || fp.default_config != 0 {
            // The spec's default configurations (two CPUs, no table) date
            // from the 486 era; no machine we boot on uses one.
            return Err(MpError::DefaultConfig);
        }
        // SAFETY: the firmware put the table there; the direct map covers
        // it when `phys_bytes` says so.
        let header = unsafe { phys_bytes(fp.config_pa, HEADER_LEN) }.ok_or(MpError::Truncated)?;
        let len = config_table_len(header).ok_or(MpError::Truncated)?;
        // SAFETY: as above.
        let table = unsafe { phys_bytes(fp.config_pa, len) }.ok_or(MpError::Truncated)?;
        parse_config(table, fp.imcrp)
    }

    /// Reads the MP tables; afterwards `ncpu` and `bootcpu` are known.
    /// Falls back to one CPU (and no local APIC) if there are none.
    pub fn mp_init() {
        let found = match find_mp().map(|fp| read_config(&fp)) {
            Some(Ok(info)) => info,
            Some(Err(e)) => {
                cprintf!(
                    "SMP: bad MP configuration table (%s), SMP disabled\n",
                    e.describe()
                );
                MpInfo::uniprocessor()
            }
            None => {
                cprintf!("SMP: configuration not found, SMP disabled\n");
                MpInfo::uniprocessor()
            }
        };
        let info = MP.call_once(|| found);
        if info.ignored > 0 {
            cprintf!(
                "SMP: too many CPUs, %d CPU(s) disabled (NCPU = %d)\n",
                info.ignored,
                NCPU
            );
        }
        cprintf!("SMP: CPU %d found %d CPU(s)\n", info.bootcpu, info.ncpu);
        if info.imcrp {
            // The machine starts in PIC mode: switch the IMCR so the 8259A
            // reaches the CPUs through the local APICs (MP spec 3.6.2.1).
            // SAFETY: 0x22/0x23 are the IMCR's select and data ports (the
            // MP table said the machine has one); routing IRQs there
            // touches no memory.
            unsafe {
                crate::x86::outb(0x22, 0x70);
                crate::x86::outb(0x23, crate::x86::inb(0x23) | 1);
            }
        }
    }

    /// APs that have called `ap_started`.
    static STARTED: AtomicUsize = AtomicUsize::new(0);

    /// How long the boot CPU waits for one AP before giving up.
    const AP_START_TIMEOUT_US: u32 = 5_000_000;

    extern "C" {
        static mpentry_start: u8;
        static mpentry_end: u8;
        static mpentry_pgdir: u32;
        static mpentry_kstack: u32;
        static mpentry_main: u32;
    }

    /// The kernel address, in the copy at MPENTRY_PADDR, of the trampoline
    /// variable `var`.
    fn trampoline_var(var: *const u32) -> *mut u32 {
        let offset = var as usize - core::ptr::addr_of!(mpentry_start) as usize;
        let base = PhysAddr(inc::memlayout::MPENTRY_PADDR)
            .to_kva()
            .expect("low memory is mapped");
        (base.as_u32() as usize + offset) as *mut u32
    }

    /// Starts every application processor: each begins in the AP entry code
    /// copied to MPENTRY_PADDR, switches to the kernel page directory and its
    /// own kernel stack (`pmap::kstack_top(i)`) and calls `ap_main`, which
    /// never returns. Returns once every AP has called `ap_started`.
    pub fn boot_aps(ap_main: extern "C" fn() -> !) {
        if ncpu() == 1 {
            return;
        }
        let start = core::ptr::addr_of!(mpentry_start);
        let len = core::ptr::addr_of!(mpentry_end) as usize - start as usize;
        let dst = PhysAddr(inc::memlayout::MPENTRY_PADDR)
            .to_kva()
            .expect("low memory is mapped");
        assert!(
            len <= inc::memlayout::PGSIZE as usize,
            "AP entry code is larger than a page"
        );
        // SAFETY: the page at MPENTRY_PADDR is reserved for this code (never
        // on the free list) and no AP is running it yet.
        unsafe {
            core::ptr::copy_nonoverlapping(start, dst.as_ptr::<u8>(), len);
            trampoline_var(core::ptr::addr_of!(mpentry_pgdir))
                .write_volatile(crate::pmap::kern_pgdir().pa().as_u32());
            trampoline_var(core::ptr::addr_of!(mpentry_main))
                .write_volatile(ap_main as usize as u32);
        }
        for cpu in (0..ncpu()).filter(|&c| c != bootcpu()) {
            let before = STARTED.load(Ordering::SeqCst);
            // SAFETY: the previous AP has left the trampoline (it called
            // `ap_started` on its own stack), so nobody reads this variable.
            unsafe {
                trampoline_var(core::ptr::addr_of!(mpentry_kstack))
                    .write_volatile(crate::pmap::kstack_top(cpu));
            }
            crate::lapic::lapic_startap(apic_id(cpu), inc::memlayout::MPENTRY_PADDR);
            wait_for_ap(cpu, before);
        }
    }

    /// Spins until STARTED moves past `before`; panics after the timeout.
    fn wait_for_ap(cpu: usize, before: usize) {
        const STEP_US: u32 = 100;
        for _ in 0..AP_START_TIMEOUT_US / STEP_US {
            if STARTED.load(Ordering::SeqCst) != before {
                return;
            }
            crate::lapic::microdelay(STEP_US);
        }
        panic!("SMP: CPU {} (APIC id {}) did not start", cpu, apic_id(cpu));
    }

    /// Called by each AP from `ap_main` once it is set up (off the
    /// trampoline's variables, on its own stack).
    pub fn ap_started() {
        STARTED.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A floating pointer naming a table at `config_pa`, checksum fixed.
    fn floating_pointer(config_pa: u32, imcrp: bool) -> [u8; 16] {
        let mut fp = [0u8; 16];
        fp[..4].copy_from_slice(b"_MP_");
        fp[4..8].copy_from_slice(&config_pa.to_le_bytes());
        fp[8] = 1;
        fp[9] = 4;
        fp[12] = if imcrp { 0x80 } else { 0 };
        fp[10] = 0u8.wrapping_sub(sum(&fp));
        fp
    }

    /// A configuration table with one processor entry per (apic id, flags),
    /// a bus entry in between, and a valid checksum.
    fn config_table(cpus: &[(u8, u8)]) -> Vec<u8> {
        let mut t = vec![0u8; HEADER_LEN];
        t[..4].copy_from_slice(b"PCMP");
        t[6] = 4;
        t[36..40].copy_from_slice(&0xFEE0_0000u32.to_le_bytes());
        for (i, &(id, flags)) in cpus.iter().enumerate() {
            let mut e = [0u8; PROCESSOR_LEN];
            e[1] = id;
            e[2] = 0x14;
            e[3] = flags;
            t.extend_from_slice(&e);
            if i == 0 {
                t.extend_from_slice(&[1, 0, b'I', b'S', b'A', b' ', b' ', b' ']);
            }
        }
        let count = cpus.len() as u16 + if cpus.is_empty() { 0 } else { 1 };
        t[34..36].copy_from_slice(&count.to_le_bytes());
        let len = t.len() as u16;
        t[4..6].copy_from_slice(&len.to_le_bytes());
        t[7] = 0u8.wrapping_sub(sum(&t));
        t
    }

    const EN: u8 = CPU_ENABLED;
    const BSP: u8 = CPU_ENABLED | CPU_BOOT;

    #[test]
    fn finds_floating_pointer_on_a_paragraph() {
        let mut rom = vec![0xAAu8; 4096];
        rom[0x7F0..0x800].copy_from_slice(&floating_pointer(0xF1234, true));
        let fp = find_floating_pointer(&rom).unwrap();
        assert_eq!(fp.config_pa, 0xF1234);
        assert!(fp.imcrp);
        assert_eq!(fp.default_config, 0);
    }

    #[test]
    fn rejects_floating_pointer_with_bad_checksum_or_alignment() {
        let mut rom = vec![0u8; 4096];
        let mut fp = floating_pointer(0xF1234, false);
        fp[10] = fp[10].wrapping_add(1);
        rom[0x100..0x110].copy_from_slice(&fp);
        // A valid one, but not on a 16-byte boundary.
        rom[0x208..0x218].copy_from_slice(&floating_pointer(0xF1234, false));
        assert_eq!(find_floating_pointer(&rom), None);
        // A signature in the last 8 bytes must not read past the end.
        let n = rom.len();
        rom[n - 16..n - 12].copy_from_slice(b"_MP_");
        rom[n - 8] = 2;
        assert_eq!(find_floating_pointer(&rom), None);
    }

    #[test]
    fn parses_good_table() {
        let t = config_table(&[(0, BSP), (1, EN), (2, EN), (3, EN)]);
        let info = parse_config(&t, false).unwrap();
        assert_eq!(info.ncpu, 4);
        assert_eq!(info.bootcpu, 0);
        assert_eq!(&info.apic_ids[..4], &[0, 1, 2, 3]);
        assert_eq!(info.lapic_pa, 0xFEE0_0000);
        assert_eq!(info.ignored, 0);
        assert_eq!(info.cpu_of_apic(2), Some(2));
        assert_eq!(info.cpu_of_apic(9), None);
    }

    #[test]
    fn rejects_bad_checksum_signature_version() {
        let good = config_table(&[(0, BSP)]);
        let mut t = good.clone();
        t[50] ^= 1;
        assert_eq!(parse_config(&t, false), Err(MpError::BadChecksum));
        let mut t = good.clone();
        t[0] = b'X';
        assert_eq!(parse_config(&t, false), Err(MpError::BadSignature));
        let mut t = good.clone();
        t[6] = 2;
        t[7] = t[7].wrapping_sub(2);
        assert_eq!(parse_config(&t, false), Err(MpError::BadVersion(2)));
        assert_eq!(parse_config(&good[..30], false), Err(MpError::Truncated));
        assert_eq!(
            parse_config(&good[..good.len() - 1], false),
            Err(MpError::Truncated)
        );
    }

    #[test]
    fn checks_extended_table() {
        let mut t = config_table(&[(0, BSP)]);
        t.extend_from_slice(&[0x80, 8, 1, 2, 3, 4, 5, 6]);
        // Header bytes 40 (extended length) and 42 (extended checksum) are
        // covered by the base checksum too: keep it right.
        t[40] = 8;
        t[42] = 0u8.wrapping_sub(sum(&t[t.len() - 8..]));
        t[7] = t[7].wrapping_sub(8).wrapping_sub(t[42]);
        assert!(parse_config(&t, false).is_ok());
        t[42] = t[42].wrapping_add(1);
        t[7] = t[7].wrapping_sub(1);
        assert_eq!(parse_config(&t, false), Err(MpError::BadExtendedChecksum));
    }

    #[test]
    fn boot_cpu_need_not_be_first() {
        let t = config_table(&[(0, EN), (1, EN), (5, BSP), (7, EN)]);
        let info = parse_config(&t, true).unwrap();
        assert_eq!(info.ncpu, 4);
        assert_eq!(info.bootcpu, 2);
        assert_eq!(info.apic_ids[info.bootcpu], 5);
        assert!(info.imcrp);
    }

    #[test]
    fn disabled_processors_are_skipped() {
        let t = config_table(&[(0, BSP), (1, 0), (2, EN)]);
        let info = parse_config(&t, false).unwrap();
        assert_eq!(info.ncpu, 2);
        assert_eq!(&info.apic_ids[..2], &[0, 2]);
        assert_eq!(
            parse_config(&config_table(&[(3, 0)]), false),
            Err(MpError::NoProcessors)
        );
    }

    #[test]
    fn caps_at_ncpu_and_keeps_the_boot_cpu() {
        let mut cpus: Vec<(u8, u8)> = (0..NCPU as u8 + 3).map(|id| (id, EN)).collect();
        let info = parse_config(&config_table(&cpus), false).unwrap();
        assert_eq!(info.ncpu, NCPU);
        assert_eq!(info.ignored, 3);

        // The boot CPU listed last still gets a slot (the last one).
        cpus.last_mut().unwrap().1 = BSP;
        let info = parse_config(&config_table(&cpus), false).unwrap();
        assert_eq!(info.ncpu, NCPU);
        assert_eq!(info.bootcpu, NCPU - 1);
        assert_eq!(info.apic_ids[NCPU - 1], NCPU as u8 + 2);
        assert_eq!(info.ignored, 3);
    }

    #[test]
    fn unknown_entry_type_is_an_error() {
        let mut t = config_table(&[(0, BSP)]);
        t[HEADER_LEN + PROCESSOR_LEN] = 9;
        t[7] = t[7].wrapping_sub(8);
        assert_eq!(parse_config(&t, false), Err(MpError::UnknownEntry(9)));
    }
}
