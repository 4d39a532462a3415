//! The shell prompt's line editor: one byte in at a time, what to echo out,
//! and a history the arrow keys walk. Pure logic, tested on the host.
//!
//! Keys: printable bytes and tab are typed at the end of the line;
//! backspace (0x08 or DEL 0x7f) erases the last one; Ctrl-U erases the
//! line; Enter (CR or LF) ends it; Ctrl-D on an empty line is end of input.
//! Up and down arrive as `ESC [ A` / `ESC [ B` over the serial line and as
//! 0xE2 / 0xE3 (JOS's KEY_UP / KEY_DN) from the PS/2 keyboard.

pub const LINE_MAX: usize = 256;
pub const HISTORY: usize = 8;

const BACKSPACE: u8 = 0x08;
const DEL: u8 = 0x7f;
const CTRL_D: u8 = 0x04;
const CTRL_U: u8 = 0x15;
const ESC: u8 = 0x1b;
pub const KEY_UP: u8 = 0xE2;
pub const KEY_DN: u8 = 0xE3;
/// What erases one character on the terminal.
const RUB_OUT: &[u8] = b"\x08 \x08";

/// What a byte did to the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Still editing.
    Editing,
    /// Enter: the line is ready.
    Done,
    /// End of input (Ctrl-D on an empty line).
    Eof,
}

pub struct LineEditor {
    line: [u8; LINE_MAX],
    len: usize,
    /// 0: normal; 1: after ESC; 2: after ESC [.
    escape: u8,
    history: [[u8; LINE_MAX]; HISTORY],
    history_len: [usize; HISTORY],
    /// Lines ever added (the newest is at (added - 1) % HISTORY).
    added: usize,
    /// How far back the arrows have gone: 0 = the line being typed.
    back: usize,
}

impl LineEditor {
    pub const fn new() -> LineEditor {
        LineEditor {
            line: [0; LINE_MAX],
            len: 0,
            escape: 0,
            history: [[0; LINE_MAX]; HISTORY],
            history_len: [0; HISTORY],
            added: 0,
            back: 0,
        }
    }

    /// The line so far (after `Done`, the whole line without its newline).
    pub fn line(&self) -> &[u8] {
        &self.line[..self.len]
    }

    /// Starts a new, empty line.
    pub fn start(&mut self) {
        self.len = 0;
        self.escape = 0;
        self.back = 0;
    }

    /// Feeds one input byte; `echo` gets what the terminal should show.
    pub fn feed(&mut self, c: u8, echo: &mut dyn FnMut(&[u8])) -> Event {
        match (self.escape, c) {
            (1, b'[') => {
                self.escape = 2;
                return Event::Editing;
            }
            (2, b'A') => arrow(self, true, echo),
            (2, b'B') => arrow(self, false, echo),
            (1 | 2, _) => {}
            (_, ESC) => {
                self.escape = 1;
                return Event::Editing;
            }
            (_, KEY_UP) => arrow(self, true, echo),
            (_, KEY_DN) => arrow(self, false, echo),
            (_, b'\r' | b'\n') => {
                echo(b"\n");
                self.remember();
                return Event::Done;
            }
            (_, CTRL_D) if self.len == 0 => return Event::Eof,
            (_, BACKSPACE | DEL) => {
                if self.len > 0 {
                    self.len -= 1;
                    echo(RUB_OUT);
                }
            }
            (_, CTRL_U) => self.erase(echo),
            (_, b' '..=b'~' | b'\t') if self.len < LINE_MAX - 1 => {
                self.line[self.len] = c;
                self.len += 1;
                echo(&[c]);
            }
            _ => {}
        }
        self.escape = 0;
        Event::Editing
    }

    fn erase(&mut self, echo: &mut dyn FnMut(&[u8])) {
        for _ in 0..self.len {
            echo(RUB_OUT);
        }
        self.len = 0;
    }

    /// Adds the finished line to the history (not empty ones, nor the same
    /// line twice in a row).
    fn remember(&mut self) {
        if self.len == 0 || (self.added > 0 && self.entry(1) == self.line()) {
            return;
        }
        let slot = self.added % HISTORY;
        self.history[slot][..self.len].copy_from_slice(&self.line[..self.len]);
        self.history_len[slot] = self.len;
        self.added += 1;
    }

    /// The history entry `back` lines ago (1 = the newest).
    fn entry(&self, back: usize) -> &[u8] {
        let slot = (self.added - back) % HISTORY;
        &self.history[slot][..self.history_len[slot]]
    }

    /// Shows the entry `back` lines ago (0: an empty line).
    fn recall(&mut self, back: usize, echo: &mut dyn FnMut(&[u8])) {
        self.erase(echo);
        self.back = back;
        if back > 0 {
            let slot = (self.added - back) % HISTORY;
            self.len = self.history_len[slot];
            self.line[..self.len].copy_from_slice(&self.history[slot][..self.len]);
            echo(&self.line[..self.len]);
        }
    }
}

/// Up goes one entry back (if there is one), down one entry forward.
fn arrow(ed: &mut LineEditor, up: bool, echo: &mut dyn FnMut(&[u8])) {
    let kept = ed.added.min(HISTORY);
    if up && ed.back < kept {
        ed.recall(ed.back + 1, echo);
    } else if !up && ed.back > 0 {
        ed.recall(ed.back - 1, echo);
    }
}

impl Default for LineEditor {
    fn default() -> LineEditor {
        LineEditor::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Types `keys`; returns the events that ended lines, the lines, and
    /// everything echoed.
    fn type_keys(ed: &mut LineEditor, keys: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut lines = Vec::new();
        let mut eof = false;
        ed.start();
        for &k in keys {
            match ed.feed(k, &mut |b| out.extend_from_slice(b)) {
                Event::Done => {
                    lines.push(ed.line().to_vec());
                    ed.start();
                }
                Event::Eof => eof = true,
                Event::Editing => {}
            }
        }
        (lines, out, eof)
    }

    #[test]
    fn typing_and_backspace() {
        let mut ed = LineEditor::new();
        let (lines, out, _) = type_keys(&mut ed, b"lx\x08s\r");
        assert_eq!(lines, vec![b"ls".to_vec()]);
        assert_eq!(out, b"lx\x08 \x08s\n".to_vec());
        // Backspace on an empty line echoes nothing; DEL works too.
        let (lines, out, _) = type_keys(&mut ed, b"\x7fab\x7f\n");
        assert_eq!(
            (lines, out),
            (vec![b"a".to_vec()], b"ab\x08 \x08\n".to_vec())
        );
    }

    #[test]
    fn arrows_walk_the_history_over_serial_and_keyboard() {
        let mut ed = LineEditor::new();
        type_keys(&mut ed, b"echo one\recho two\r\r");
        // Up twice: "echo one"; down once: "echo two".
        let (lines, _, _) = type_keys(&mut ed, b"\x1b[A\x1b[A\x1b[B\r");
        assert_eq!(lines, vec![b"echo two".to_vec()]);
        let (lines, _, _) = type_keys(&mut ed, &[KEY_UP, KEY_UP, KEY_UP, b'\r']);
        assert_eq!(
            lines,
            vec![b"echo one".to_vec()],
            "the oldest entry stops the walk; the repeat was not added"
        );
        // Down past the newest gives an empty line back.
        let (lines, out, _) = type_keys(&mut ed, &[KEY_UP, KEY_DN, b'x', b'\r']);
        assert_eq!(lines, vec![b"x".to_vec()]);
        assert!(out.starts_with(b"echo one"));
    }

    #[test]
    fn history_keeps_the_newest_entries() {
        let mut ed = LineEditor::new();
        for i in 0..HISTORY + 3 {
            type_keys(&mut ed, format!("cmd{i}\r").as_bytes());
        }
        let ups = vec![KEY_UP; HISTORY + 5];
        let (lines, _, _) = type_keys(&mut ed, &[ups.as_slice(), b"\r"].concat());
        assert_eq!(lines, vec![b"cmd3".to_vec()]);
    }

    #[test]
    fn ctrl_d_and_ctrl_u() {
        let mut ed = LineEditor::new();
        let (lines, _, eof) = type_keys(&mut ed, b"ab\x04\x15cd\r");
        assert_eq!(lines, vec![b"cd".to_vec()]);
        assert!(!eof, "Ctrl-D only ends input on an empty line");
        let (_, _, eof) = type_keys(&mut ed, b"\x04");
        assert!(eof);
    }
}
