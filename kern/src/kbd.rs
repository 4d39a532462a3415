//! The PS/2 keyboard, polled through the 8042 controller.
//!
//! The controller hands over scan codes from set 1: a key's "make" code when
//! it goes down and the same code with bit 7 set ("break") when it comes up;
//! some keys send 0xE0 first. [`Keyboard`] turns those into ASCII, keeping
//! track of Shift, Ctrl and Caps Lock; it is pure and tested on the host.

const ESCAPE_PREFIX: u8 = 0xE0;
const RELEASED: u8 = 0x80;

const LSHIFT: u8 = 0x2A;
const RSHIFT: u8 = 0x36;
const CTRL: u8 = 0x1D;
const CAPSLOCK: u8 = 0x3A;
const ENTER: u8 = 0x1C;
const SLASH: u8 = 0x35;
/// Up and down arrows (after 0xE0), and the bytes they type: JOS's KEY_UP
/// and KEY_DN, which the shell's line editor walks its history with.
const ARROW_UP: u8 = 0x48;
const ARROW_DOWN: u8 = 0x50;
pub const KEY_UP: u8 = 0xE2;
pub const KEY_DN: u8 = 0xE3;

/// Scan codes 0x00..=0x53 have characters; the rest are F keys and such.
const NCODES: usize = 0x54;

/// Builds a code-to-ASCII table from runs of keys with consecutive codes
/// (0 = no character).
const fn keymap(runs: &[(usize, &[u8])]) -> [u8; NCODES] {
    let mut map = [0; NCODES];
    let mut r = 0;
    while r < runs.len() {
        let (first, keys) = runs[r];
        let mut i = 0;
        while i < keys.len() {
            map[first + i] = keys[i];
            i += 1;
        }
        r += 1;
    }
    map
}

/// Without Shift: the digit row, the three letter rows, keypad '*', the
/// space bar, and the keypad read as if Num Lock were on.
const NORMAL: [u8; NCODES] = keymap(&[
    (0x01, b"\x1b1234567890-=\x08\t"),
    (0x10, b"qwertyuiop[]\n"),
    (0x1e, b"asdfghjkl;'`"),
    (0x2b, b"\\zxcvbnm,./"),
    (0x37, b"*"),
    (0x39, b" "),
    (0x47, b"789-456+1230."),
]);

/// The same keys with Shift held.
const SHIFTED: [u8; NCODES] = keymap(&[
    (0x01, b"\x1b!@#$%^&*()_+\x08\t"),
    (0x10, b"QWERTYUIOP{}\n"),
    (0x1e, b"ASDFGHJKL:\"~"),
    (0x2b, b"|ZXCVBNM<>?"),
    (0x37, b"*"),
    (0x39, b" "),
    (0x47, b"789-456+1230."),
]);

/// Modifier state between scan codes.
#[derive(Default)]
pub struct Keyboard {
    shift: bool,
    ctrl: bool,
    caps: bool,
    /// The previous byte was the 0xE0 prefix.
    escaped: bool,
}

impl Keyboard {
    pub const fn new() -> Keyboard {
        Keyboard {
            shift: false,
            ctrl: false,
            caps: false,
            escaped: false,
        }
    }

    /// Feeds one scan-code byte; returns the character it completes, if any.
    pub fn decode(&mut self, byte: u8) -> Option<u8> {
        if byte == ESCAPE_PREFIX {
            self.escaped = true;
            return None;
        }
        let escaped = core::mem::take(&mut self.escaped);
        let released = byte & RELEASED != 0;
        let code = byte & !RELEASED;
        match code {
            // 0xE0 0x2A / 0xE0 0x36 are "fake shifts" sent around some keys.
            LSHIFT | RSHIFT if !escaped => self.shift = !released,
            LSHIFT | RSHIFT => {}
            CTRL => self.ctrl = !released,
            CAPSLOCK if !released => self.caps = !self.caps,
            _ if released => {}
            // Of the escaped keys the keypad's Enter and '/' type text, the
            // up and down arrows JOS's key codes.
            ENTER if escaped => return Some(b'\n'),
            SLASH if escaped => return Some(b'/'),
            ARROW_UP if escaped => return Some(KEY_UP),
            ARROW_DOWN if escaped => return Some(KEY_DN),
            _ if escaped => {}
            _ => return self.character(code),
        }
        None
    }

    fn character(&self, code: u8) -> Option<u8> {
        let table = if self.shift { &SHIFTED } else { &NORMAL };
        let mut c = *table.get(code as usize)?;
        if c == 0 {
            return None;
        }
        if self.caps && c.is_ascii_alphabetic() {
            c ^= 0x20; // Caps Lock inverts the case Shift chose.
        }
        if self.ctrl && c.is_ascii_alphabetic() {
            c &= 0x1f; // Ctrl-A is 1, ..., Ctrl-Z is 26.
        }
        Some(c)
    }
}

#[cfg(target_os = "none")]
pub use machine::getc;

#[cfg(target_os = "none")]
mod machine {
    use super::Keyboard;
    use crate::x86::inb;
    use spin::Mutex;

    const STATUS_PORT: u16 = 0x64;
    const DATA_PORT: u16 = 0x60;
    /// Status: a byte is waiting in the data port.
    const STATUS_FULL: u8 = 0x01;
    /// Status: that byte came from the mouse, not the keyboard.
    const STATUS_AUX: u8 = 0x20;

    static KEYBOARD: Mutex<Keyboard> = Mutex::new(Keyboard::new());

    /// A typed character, if one is waiting.
    pub fn getc() -> Option<u8> {
        let mut kbd = KEYBOARD.lock();
        // Modifier and prefix bytes produce nothing: keep reading, but only
        // as long as the controller has bytes.
        for _ in 0..16 {
            let status = inb(STATUS_PORT);
            if status & STATUS_FULL == 0 {
                return None;
            }
            let byte = inb(DATA_PORT);
            if status & STATUS_AUX != 0 {
                continue;
            }
            if let Some(c) = kbd.decode(byte) {
                return Some(c);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(codes: &[u8]) -> Vec<u8> {
        let mut k = Keyboard::new();
        codes.iter().filter_map(|&b| k.decode(b)).collect()
    }

    #[test]
    fn tables_line_up() {
        assert_eq!(NORMAL[0x02], b'1');
        assert_eq!(NORMAL[0x10], b'q');
        assert_eq!(NORMAL[0x1e], b'a');
        assert_eq!(NORMAL[0x2c], b'z');
        assert_eq!(NORMAL[0x39], b' ');
        assert_eq!(NORMAL[0x47], b'7');
        assert_eq!(NORMAL[0x53], b'.');
        assert_eq!(SHIFTED[0x28], b'"');
        assert_eq!(SHIFTED[0x35], b'?');
        assert_eq!(NORMAL[0x2b], b'\\');
        assert_eq!(NORMAL[0x1c], b'\n');
        assert_eq!(NORMAL[0x1d], 0); // Ctrl
        assert_eq!(NORMAL[0x38], 0); // Alt
    }

    #[test]
    fn letters_digits_and_releases() {
        // h, i (each pressed and released), 4, Enter, Backspace.
        let codes = [0x23, 0xa3, 0x17, 0x97, 0x05, 0x85, 0x1c, 0x9c, 0x0e];
        assert_eq!(typed(&codes), b"hi4\n\x08");
    }

    #[test]
    fn shift_changes_the_table_until_released() {
        // Shift down, a, 1, '/', Shift up, a.
        let codes = [0x2a, 0x1e, 0x02, 0x35, 0xaa, 0x1e];
        assert_eq!(typed(&codes), b"A!?a");
    }

    #[test]
    fn caps_lock_toggles_letters_only() {
        // Caps on, a, 1, Shift+a, Caps off, a.
        let codes = [0x3a, 0xba, 0x1e, 0x02, 0x36, 0x1e, 0xb6, 0x3a, 0xba, 0x1e];
        assert_eq!(typed(&codes), b"A1aa");
    }

    #[test]
    fn ctrl_makes_control_characters() {
        // Ctrl down, c, Ctrl up, c; then right Ctrl (E0 1D) with d.
        let codes = [0x1d, 0x2e, 0x9d, 0x2e, 0xe0, 0x1d, 0x20, 0xe0, 0x9d];
        assert_eq!(typed(&codes), b"\x03c\x04");
    }

    #[test]
    fn escaped_keys() {
        // Keypad Enter and '/', up (with a fake shift) and down, left.
        let codes = [
            0xe0, 0x1c, 0xe0, 0x35, 0xe0, 0x2a, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x50, 0xe0, 0xd0,
            0xe0, 0x4b, 0x1e,
        ];
        assert_eq!(typed(&codes), b"\n/\xe2\xe3a");
    }

    #[test]
    fn unknown_codes_type_nothing() {
        assert_eq!(typed(&[0x00, 0x3b, 0x54, 0x7f, 0x38]), b"");
    }
}
