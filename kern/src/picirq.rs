//! The two legacy 8259A interrupt controllers (JOS lab 4).
//!
//! The master takes IRQs 0-7, the slave IRQs 8-15 through the master's IRQ 2.
//! We move their vectors to IRQ_OFFSET.. (the CPU's own exceptions own 0-31)
//! and mask every line no driver asked for; the boot CPU's LINT0 passes them
//! on. Command words are from the 8259A data sheet.

use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use inc::trap::IRQ_OFFSET;

const PIC1_CMD: u16 = 0x20;
const PIC1_DATA: u16 = 0x21;
const PIC2_CMD: u16 = 0xA0;
const PIC2_DATA: u16 = 0xA1;
/// The master's input the slave is wired to.
const IRQ_SLAVE: u8 = 2;

/// ICW1: edge triggered, cascaded, ICW4 follows.
const ICW1: u8 = 0x11;
/// ICW4 for the master: 8086 mode, automatic end of interrupt (the kernel
/// acknowledges interrupts at the local APIC only).
const ICW4_MASTER: u8 = 0x03;
/// ICW4 for the slave: 8086 mode.
const ICW4_SLAVE: u8 = 0x01;
/// OCW3: special mask mode, then "read IRR" as the default status read.
const OCW3_SPECIAL_MASK: u8 = 0x68;
const OCW3_READ_IRR: u8 = 0x0A;

/// Lines masked (bit i set = IRQ i off); at first only the cascade is open.
static IRQ_MASK: AtomicU16 = AtomicU16::new(!(1 << IRQ_SLAVE));
static DID_INIT: AtomicBool = AtomicBool::new(false);

/// Writes a command or data port of one of the two 8259As.
fn outb(port: u16, v: u8) {
    assert!([PIC1_CMD, PIC1_DATA, PIC2_CMD, PIC2_DATA].contains(&port));
    // SAFETY: the 8259A ports only program the interrupt controllers.
    unsafe { crate::x86::outb(port, v) }
}

/// Remaps both controllers to IRQ_OFFSET..IRQ_OFFSET+16 and applies the
/// current mask.
pub fn pic_init() {
    // Mask everything while reprogramming.
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);

    outb(PIC1_CMD, ICW1);
    outb(PIC1_DATA, IRQ_OFFSET as u8); // ICW2: vector base
    outb(PIC1_DATA, 1 << IRQ_SLAVE); // ICW3: which input has a slave
    outb(PIC1_DATA, ICW4_MASTER);

    outb(PIC2_CMD, ICW1);
    outb(PIC2_DATA, IRQ_OFFSET as u8 + 8);
    outb(PIC2_DATA, IRQ_SLAVE); // ICW3: the slave's id on the cascade
    outb(PIC2_DATA, ICW4_SLAVE);

    for cmd in [PIC1_CMD, PIC2_CMD] {
        outb(cmd, OCW3_SPECIAL_MASK);
        outb(cmd, OCW3_READ_IRR);
    }

    DID_INIT.store(true, Ordering::SeqCst);
    irq_setmask(IRQ_MASK.load(Ordering::SeqCst));
}

/// Sets the mask (bit i set = IRQ i disabled) and prints the lines left on.
/// Before `pic_init` it only records the mask.
pub fn irq_setmask(mask: u16) {
    IRQ_MASK.store(mask, Ordering::SeqCst);
    if !DID_INIT.load(Ordering::SeqCst) {
        return;
    }
    outb(PIC1_DATA, mask as u8);
    outb(PIC2_DATA, (mask >> 8) as u8);
    cprintf!("enabled interrupts:");
    for irq in (0..16).filter(|i| mask & (1 << i) == 0) {
        cprintf!(" %d", irq);
    }
    cprintf!("\n");
}

/// Unmasks IRQ `irq` (a driver that wants its device's interrupts).
pub fn irq_enable(irq: u8) {
    irq_setmask(IRQ_MASK.load(Ordering::SeqCst) & !(1 << irq));
}
