//! The COM1 serial port (16550 UART): the console the grader reads.

use crate::x86::inb;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const COM1: u16 = 0x3F8;
const COM_RX: u16 = 0; // receive buffer (DLAB = 0)
const COM_TX: u16 = 0; // transmit buffer (DLAB = 0)
const COM_DLL: u16 = 0; // divisor latch low (DLAB = 1)
const COM_DLM: u16 = 1; // divisor latch high (DLAB = 1)
const COM_IER: u16 = 1; // interrupt enable
const COM_FCR: u16 = 2; // FIFO control (write)
const COM_IIR: u16 = 2; // interrupt identification (read)
const COM_FCR_ENABLE: u8 = 0x01; // FIFOs on, receive trigger at 1 byte
const COM_FCR_CLEAR: u8 = 0x06; // empty both FIFOs
const COM_IIR_FIFOS: u8 = 0xC0; // both bits set: the FIFOs are on
/// A 16550A's transmit FIFO.
const TX_FIFO_SIZE: usize = 16;
const COM_LCR: u16 = 3; // line control
const COM_LCR_DLAB: u8 = 0x80;
const COM_LCR_WLEN8: u8 = 0x03;
const COM_MCR: u16 = 4; // modem control
const COM_LSR: u16 = 5; // line status
const COM_LSR_DATA: u8 = 0x01;
const COM_LSR_TXRDY: u8 = 0x20;

/// Whether a UART answered at COM1 (set once by `init`).
static PRESENT: AtomicBool = AtomicBool::new(false);

/// How many bytes the transmitter takes once it reports itself empty: a
/// whole FIFO on a 16550A, one byte on a UART without FIFOs (set by `init`).
static TX_BURST: AtomicUsize = AtomicUsize::new(1);

/// Writes UART register `reg` of COM1.
fn com1_out(reg: u16, v: u8) {
    assert!(reg < 8);
    // SAFETY: COM1's eight registers drive only the UART.
    unsafe { crate::x86::outb(COM1 + reg, v) }
}

/// 9600 baud, 8 data bits, no parity, one stop bit, receive interrupts on.
pub fn init() {
    com1_out(COM_FCR, 0);
    com1_out(COM_LCR, COM_LCR_DLAB);
    com1_out(COM_DLL, (115200u32 / 9600) as u8);
    com1_out(COM_DLM, 0);
    com1_out(COM_LCR, COM_LCR_WLEN8);
    com1_out(COM_MCR, 0);
    com1_out(COM_IER, 0x01);
    let present = inb(COM1 + COM_LSR) != 0xFF;
    PRESENT.store(present, Ordering::Relaxed);
    enable_fifos();
}

/// Turns the FIFOs on where the UART has them (a 16550A, QEMU's too): the
/// transmitter then takes 16 bytes per "ready", so `write` asks the line
/// status once per 16 bytes instead of once per byte (issue 11). A UART
/// without FIFOs ignores the write and keeps TX_BURST at one.
fn enable_fifos() {
    com1_out(COM_FCR, COM_FCR_ENABLE | COM_FCR_CLEAR);
    let fifos = inb(COM1 + COM_IIR) & COM_IIR_FIFOS == COM_IIR_FIFOS;
    TX_BURST.store(if fifos { TX_FIFO_SIZE } else { 1 }, Ordering::Relaxed);
}

fn present() -> bool {
    PRESENT.load(Ordering::Relaxed)
}

/// Sends `bytes`, a burst (a FIFO's worth) each time the transmitter is
/// empty.
pub fn write(bytes: &[u8]) {
    if !present() {
        return;
    }
    for burst in bytes.chunks(TX_BURST.load(Ordering::Relaxed).max(1)) {
        wait_tx_ready();
        // SAFETY: COM1's transmit register; the UART touches no memory.
        unsafe { crate::x86::outsb(COM1 + COM_TX, burst) }
    }
}

/// Bounded wait until the transmitter is empty (with FIFOs: the whole
/// FIFO): a wedged UART must not hang the kernel. QEMU's UART is always
/// ready, so the first read of LSR ends the wait.
fn wait_tx_ready() {
    for _ in 0..12800 {
        if inb(COM1 + COM_LSR) & COM_LSR_TXRDY != 0 {
            return;
        }
    }
}

/// A received byte, if one is waiting.
pub fn getc() -> Option<u8> {
    if !present() || inb(COM1 + COM_LSR) & COM_LSR_DATA == 0 {
        return None;
    }
    Some(inb(COM1 + COM_RX))
}
