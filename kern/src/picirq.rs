//! The legacy 8259A interrupt controllers (lab 4).
//!
//! STUB: being written. Contract: remap IRQs 0-15 to IRQ_OFFSET.., mask all
//! but the ones enabled.

pub fn pic_init() {}
