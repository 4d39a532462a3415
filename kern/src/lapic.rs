//! The local APIC: CPU numbers, the timer, inter-processor interrupts (JOS
//! lab 4). Register offsets and bits are from the Intel SDM vol. 3, ch. 10.
//!
//! Every CPU has its own local APIC at the same physical address (the MP
//! table's), so one uncached mapping in the MMIO window serves them all:
//! each CPU sees its own registers there.

use crate::addr::{PhysAddr, VirtAddr};
use crate::mpconfig;
use crate::x86::inb;
use inc::trap::{IRQ_ERROR, IRQ_OFFSET, IRQ_SPURIOUS, IRQ_TIMER};
use spin::Once;

// Register byte offsets.
const ID: usize = 0x020;
const VER: usize = 0x030;
const TPR: usize = 0x080;
const EOI: usize = 0x0B0;
const SVR: usize = 0x0F0;
const ESR: usize = 0x280;
const ICRLO: usize = 0x300;
const ICRHI: usize = 0x310;
const LVT_TIMER: usize = 0x320;
const LVT_PCINT: usize = 0x340;
const LVT_LINT0: usize = 0x350;
const LVT_LINT1: usize = 0x360;
const LVT_ERROR: usize = 0x370;
const TIMER_INIT: usize = 0x380;
const TIMER_DIVIDE: usize = 0x3E0;

// Bits.
const SVR_ENABLE: u32 = 0x100;
const LVT_MASKED: u32 = 0x1_0000;
const TIMER_PERIODIC: u32 = 0x2_0000;
const DIVIDE_BY_1: u32 = 0xB;
const ICR_INIT: u32 = 0x500;
const ICR_STARTUP: u32 = 0x600;
const ICR_DELIVERY_PENDING: u32 = 0x1000;
const ICR_ASSERT: u32 = 0x4000;
const ICR_LEVEL: u32 = 0x8000;

/// Initial count of the periodic timer. The timer counts the bus clock
/// (divided by 1); QEMU's runs at 1 GHz, so this is 10 ms, i.e. 100 Hz.
const TIMER_COUNT: u32 = 10_000_000;

/// Where the local APIC is mapped; unset until the boot CPU's `lapic_init`.
static LAPIC: Once<VirtAddr> = Once::new();

fn read(reg: usize) -> u32 {
    let base = LAPIC.get().expect("local APIC mapped");
    // SAFETY: `base` maps the 4 KB register page uncached and `reg` is one
    // of the aligned 32-bit register offsets above.
    unsafe { ((base.as_u32() as usize + reg) as *const u32).read_volatile() }
}

fn write(reg: usize, value: u32) {
    let base = LAPIC.get().expect("local APIC mapped");
    // SAFETY: as in `read`; register writes have no effect on Rust memory.
    unsafe { ((base.as_u32() as usize + reg) as *mut u32).write_volatile(value) };
    // Reading ID waits until the write has reached the APIC.
    // SAFETY: as in `read`.
    unsafe { ((base.as_u32() as usize + ID) as *const u32).read_volatile() };
}

/// Maps (once) and programs this CPU's local APIC: enabled, periodic timer
/// on IRQ_OFFSET + IRQ_TIMER, errors on IRQ_OFFSET + IRQ_ERROR, LINT0/LINT1
/// masked except the boot CPU's LINT0 (the 8259A's virtual wire). Does
/// nothing if the MP table named no local APIC.
pub fn lapic_init() {
    let pa = mpconfig::lapic_pa();
    if pa == 0 {
        return;
    }
    LAPIC.call_once(|| crate::pmap::mmio_map_region(PhysAddr(pa), 4096));

    write(SVR, SVR_ENABLE | (IRQ_OFFSET + IRQ_SPURIOUS));

    write(TIMER_DIVIDE, DIVIDE_BY_1);
    write(LVT_TIMER, TIMER_PERIODIC | (IRQ_OFFSET + IRQ_TIMER));
    write(TIMER_INIT, TIMER_COUNT);

    // Only the boot CPU takes the 8259A's interrupts; NMIs are not used.
    if cpunum() != mpconfig::bootcpu() {
        write(LVT_LINT0, LVT_MASKED);
    }
    write(LVT_LINT1, LVT_MASKED);
    // Version 4+ APICs have a performance-counter entry: keep it quiet.
    if (read(VER) >> 16) & 0xFF >= 4 {
        write(LVT_PCINT, LVT_MASKED);
    }
    write(LVT_ERROR, IRQ_OFFSET + IRQ_ERROR);

    // The error status register is cleared by back-to-back writes.
    write(ESR, 0);
    write(ESR, 0);
    // Drop any interrupt left in service, then accept every priority.
    write(EOI, 0);
    write(TPR, 0);
}

/// The index (into the CPU table) of the CPU running this code. Before the
/// local APIC is mapped only the boot CPU runs, so that is the answer then.
pub fn cpunum() -> usize {
    if LAPIC.get().is_none() {
        return mpconfig::bootcpu();
    }
    let apic_id = (read(ID) >> 24) as u8;
    mpconfig::cpu_of_apic(apic_id)
        .unwrap_or_else(|| panic!("cpunum: APIC id {} is not in the MP table", apic_id))
}

/// Acknowledges the interrupt being handled.
pub fn lapic_eoi() {
    if LAPIC.get().is_some() {
        write(EOI, 0);
    }
}

/// Sends an inter-processor interrupt and waits until it is delivered.
fn send_ipi(dest_apic_id: u8, command: u32) {
    write(ICRHI, (dest_apic_id as u32) << 24);
    write(ICRLO, command);
    while read(ICRLO) & ICR_DELIVERY_PENDING != 0 {
        crate::x86::pause();
    }
}

/// Starts the AP with local APIC id `apic_id` at physical address `addr`
/// (page aligned, below 1 MB) in real mode: INIT, then two STARTUP IPIs
/// (Intel SDM vol. 3, 8.4.4.1). Called on the boot CPU only.
pub fn lapic_startap(apic_id: u8, addr: u32) {
    assert!(
        addr.is_multiple_of(4096) && addr < 0x10_0000,
        "AP start address {:#x}",
        addr
    );
    send_ipi(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    microdelay(200);
    send_ipi(apic_id, ICR_INIT | ICR_LEVEL);
    microdelay(10_000);
    // The STARTUP vector is the start page number.
    for _ in 0..2 {
        send_ipi(apic_id, ICR_STARTUP | (addr >> 12));
        microdelay(200);
    }
}

// The 8254 timer's channel 2, which only gates the PC speaker, serves as a
// stopwatch for `microdelay`.
const PIT_CH2: u16 = 0x42;
const PIT_MODE: u16 = 0x43;
const PORT_B: u16 = 0x61;
const PIT_HZ: u32 = 1_193_182;
/// Channel 2, low then high byte, mode 0 (output goes high at terminal count).
const CH2_ONE_SHOT: u8 = 0xB0;
const PORT_B_GATE2: u8 = 0x01;
const PORT_B_SPEAKER: u8 = 0x02;
const PORT_B_OUT2: u8 = 0x20;

/// Busy-waits at least `us` microseconds. Uses the shared 8254 channel 2,
/// so only one CPU at a time may call it (the boot CPU, while starting APs).
pub fn microdelay(us: u32) {
    let mut ticks = (us as u64 * PIT_HZ as u64).div_ceil(1_000_000);
    while ticks > 0 {
        let chunk = ticks.min(0xFFFF) as u16;
        pit_wait(chunk);
        ticks -= chunk as u64;
    }
}

/// Writes a PIT or port-B register.
fn outb(port: u16, v: u8) {
    assert!([PORT_B, PIT_MODE, PIT_CH2].contains(&port));
    // SAFETY: the PIT and port B (speaker gate) do not touch memory.
    unsafe { crate::x86::outb(port, v) }
}

/// Counts `ticks` on channel 2 and waits for its output to go high.
fn pit_wait(ticks: u16) {
    // Gate off (and speaker off) while loading the count.
    let port_b = inb(PORT_B) & !(PORT_B_GATE2 | PORT_B_SPEAKER);
    outb(PORT_B, port_b);
    outb(PIT_MODE, CH2_ONE_SHOT);
    outb(PIT_CH2, ticks as u8);
    outb(PIT_CH2, (ticks >> 8) as u8);
    outb(PORT_B, port_b | PORT_B_GATE2);
    while inb(PORT_B) & PORT_B_OUT2 == 0 {
        crate::x86::pause();
    }
    outb(PORT_B, port_b);
}
