//! The local APIC: CPU numbers, the timer, inter-processor interrupts (lab 4).
//!
//! STUB: single-CPU defaults until the multiprocessor work lands.

/// Maps and programs this CPU's local APIC (timer on IRQ_OFFSET + IRQ_TIMER).
pub fn lapic_init() {}

/// The index (into the CPU table) of the CPU running this code.
pub fn cpunum() -> usize {
    0
}

/// Acknowledges the interrupt being handled.
pub fn lapic_eoi() {}
