//! The console: every byte the kernel prints goes to the serial port (which
//! the grader reads) and the CGA screen; input comes from the serial port or
//! the PS/2 keyboard. On the host (unit tests) output goes to stdout.

pub use inc::printfmt::{Arg, Putch, ToArg};

/// Prints with JOS's printf verbs (`%d %u %x %o %s %c %p %e`, widths, `-`/`0`, `l`/`ll`).
#[macro_export]
macro_rules! cprintf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {
        $crate::console::vcprintf($fmt, &[$($crate::console::ToArg::to_arg(&$arg)),*])
    };
}

/// The sink that writes formatted bytes to the console. `vprintfmt` hands
/// it a whole line at a time (up to 64 bytes), so the screen lock and the
/// CGA cursor's four port writes are paid once per `cprintf`, not per byte.
pub struct Console;

impl Putch for Console {
    fn putch(&mut self, c: u8) {
        putc(c);
    }

    fn put_bytes(&mut self, s: &[u8]) {
        write(s);
    }
}

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write(s.as_bytes());
        Ok(())
    }
}

/// Formats and prints; returns the number of bytes printed.
pub fn vcprintf(fmt: &str, args: &[Arg]) -> usize {
    inc::printfmt::vprintfmt(&mut Console, fmt, args)
}

#[cfg(target_os = "none")]
pub fn init() {
    crate::serial::init();
    crate::cga::init();
    // Typed characters arrive by interrupt once an env runs (the monitor,
    // which runs with interrupts off, still polls the devices).
    crate::picirq::irq_enable(inc::trap::IRQ_KBD as u8);
    crate::picirq::irq_enable(inc::trap::IRQ_SERIAL as u8);
}

/// Writes one byte to every output device.
pub fn putc(c: u8) {
    write(&[c]);
}

/// Writes bytes to every output device: all of them to the serial port,
/// then all of them to the screen.
#[cfg(target_os = "none")]
pub fn write(bytes: &[u8]) {
    crate::serial::write(bytes);
    crate::cga::write(bytes);
}

#[cfg(not(target_os = "none"))]
pub fn write(bytes: &[u8]) {
    extern crate std;
    use std::io::Write;
    let _ = std::io::stdout().write_all(bytes);
}

/// A waiting input byte: one the interrupt handler buffered, else one
/// straight from a device.
#[cfg(target_os = "none")]
pub fn getc() -> Option<u8> {
    INPUT.lock().pop().or_else(device_getc)
}

#[cfg(target_os = "none")]
fn device_getc() -> Option<u8> {
    crate::serial::getc().or_else(crate::kbd::getc)
}

#[cfg(target_os = "none")]
use crate::bkl::Bkl;

/// Typed bytes not read yet, and the envs blocked in `sys_cgetc_wait`.
#[cfg(target_os = "none")]
static INPUT: spin::Mutex<ConsInput> = spin::Mutex::new(ConsInput::new());

/// The keyboard or serial interrupt: buffer what the devices hold, then
/// hand bytes to waiting envs, oldest first.
#[cfg(target_os = "none")]
pub fn intr(bkl: &mut Bkl) {
    let mut input = INPUT.lock();
    while let Some(c) = device_getc() {
        input.push(c);
    }
    while let Some(c) = input.peek() {
        let Some(w) = input.next_waiter(|w| is_waiting(bkl, w)) else {
            break;
        };
        input.pop();
        bkl.env(w.slot).env_tf.regs.eax = u32::from(c);
        crate::env::set_status(bkl, w.slot, inc::env::ENV_RUNNABLE);
    }
}

/// Whether `w` is still blocked on the console: same env, still asleep.
#[cfg(target_os = "none")]
fn is_waiting(bkl: &mut Bkl, w: Waiter) -> bool {
    let e = bkl.env(w.slot);
    e.env_id == w.envid && e.env_status == inc::env::ENV_NOT_RUNNABLE
}

/// `sys_cgetc_wait` for env `slot`: a buffered byte at once, else block it
/// (the caller then yields). Returns `None` when it was put to sleep; a full
/// waiter list returns `Some(0)`, and the library asks again.
#[cfg(target_os = "none")]
pub fn getc_or_sleep(bkl: &mut Bkl, slot: usize) -> Option<u8> {
    if let Some(c) = getc() {
        return Some(c);
    }
    let envid = bkl.env(slot).env_id;
    if !INPUT
        .lock()
        .add_waiter(Waiter { slot, envid }, |w| is_waiting(bkl, w))
    {
        return Some(0);
    }
    bkl.env(slot).env_tf.regs.eax = 0; // what it sees if someone wakes it otherwise
    crate::env::set_status(bkl, slot, inc::env::ENV_NOT_RUNNABLE);
    None
}

/// Whether some env sleeps waiting for a key (then an idle system is not
/// finished: it waits for the user).
#[cfg(target_os = "none")]
pub fn has_waiters(bkl: &mut Bkl) -> bool {
    INPUT.lock().has_waiter(|w| is_waiting(bkl, w))
}

/// An env blocked on console input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiter {
    pub slot: usize,
    pub envid: i32,
}

const INPUT_SIZE: usize = 512;
const MAX_WAITERS: usize = 16;

/// The console's input ring (oldest bytes are dropped when it is full) and
/// the FIFO of envs waiting for input. Pure logic, tested on the host.
pub struct ConsInput {
    buf: [u8; INPUT_SIZE],
    rpos: usize,
    wpos: usize,
    waiters: [Option<Waiter>; MAX_WAITERS],
}

impl ConsInput {
    pub const fn new() -> ConsInput {
        ConsInput {
            buf: [0; INPUT_SIZE],
            rpos: 0,
            wpos: 0,
            waiters: [None; MAX_WAITERS],
        }
    }

    pub fn push(&mut self, c: u8) {
        if self.wpos - self.rpos == INPUT_SIZE {
            self.rpos += 1;
        }
        self.buf[self.wpos % INPUT_SIZE] = c;
        self.wpos += 1;
    }

    pub fn peek(&self) -> Option<u8> {
        (self.rpos != self.wpos).then(|| self.buf[self.rpos % INPUT_SIZE])
    }

    pub fn pop(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.rpos += 1;
        Some(c)
    }

    /// Drops waiters `alive` says are gone, keeping the rest in order.
    fn purge(&mut self, mut alive: impl FnMut(Waiter) -> bool) {
        let mut kept = [None; MAX_WAITERS];
        let live = self.waiters.iter().flatten().copied().filter(|&w| alive(w));
        for (slot, w) in kept.iter_mut().zip(live) {
            *slot = Some(w);
        }
        self.waiters = kept;
    }

    /// Queues `w` last; false if the queue is full of live waiters.
    pub fn add_waiter(&mut self, w: Waiter, alive: impl FnMut(Waiter) -> bool) -> bool {
        self.purge(alive);
        match self.waiters.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(w);
                true
            }
            None => false,
        }
    }

    /// Takes the oldest waiter that `alive` says still waits.
    pub fn next_waiter(&mut self, mut alive: impl FnMut(Waiter) -> bool) -> Option<Waiter> {
        self.purge(&mut alive);
        let w = self.waiters[0].take()?;
        self.waiters.rotate_left(1);
        Some(w)
    }

    pub fn has_waiter(&mut self, alive: impl FnMut(Waiter) -> bool) -> bool {
        self.purge(alive);
        self.waiters[0].is_some()
    }
}

impl Default for ConsInput {
    fn default() -> ConsInput {
        ConsInput::new()
    }
}

/// Waits for an input byte (the monitor's way of reading).
#[cfg(target_os = "none")]
pub fn getchar() -> u8 {
    loop {
        if let Some(c) = getc() {
            return c;
        }
        core::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_ring_keeps_order_and_drops_the_oldest_when_full() {
        let mut input = ConsInput::new();
        assert_eq!(input.pop(), None);
        for c in b"ls\r" {
            input.push(*c);
        }
        assert_eq!(input.peek(), Some(b'l'));
        assert_eq!(
            [input.pop(), input.pop(), input.pop()],
            [Some(b'l'), Some(b's'), Some(b'\r')]
        );
        for i in 0..INPUT_SIZE + 3 {
            input.push(i as u8);
        }
        assert_eq!(input.pop(), Some(3));
    }

    #[test]
    fn waiters_are_served_oldest_first_and_dead_ones_skipped() {
        let mut input = ConsInput::new();
        let w = |slot| Waiter {
            slot,
            envid: 0x1000 + slot as i32,
        };
        let all = |_| true;
        assert!(input.add_waiter(w(1), all));
        assert!(input.add_waiter(w(2), all));
        assert!(input.add_waiter(w(3), all));
        // Env 1 died while it waited.
        assert_eq!(input.next_waiter(|x: Waiter| x.slot != 1), Some(w(2)));
        assert_eq!(input.next_waiter(all), Some(w(3)));
        assert!(!input.has_waiter(all));
        for i in 0..MAX_WAITERS {
            assert!(input.add_waiter(w(i), all));
        }
        assert!(!input.add_waiter(w(99), all), "full of live waiters");
        assert!(
            input.add_waiter(w(99), |x: Waiter| x.slot != 0),
            "a dead one makes room"
        );
    }
}
