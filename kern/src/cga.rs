//! The CGA text screen: 80x25 cells of (attribute << 8 | character) at
//! physical 0xB8000, and a hardware cursor set through the CRT controller.
//!
//! [`Screen`] holds the cursor logic (newlines, backspace, tabs, scrolling)
//! over any [`Cells`], so the host tests run it on a plain array; the real
//! screen is [`CgaMemory`], written with volatile stores.

pub const COLS: usize = 80;
pub const ROWS: usize = 25;
pub const SIZE: usize = COLS * ROWS;
/// Light grey on black.
const ATTR: u16 = 0x0700;
const BLANK: u16 = ATTR | b' ' as u16;
const TAB_STOP: usize = 8;

/// A screen's character cells.
pub trait Cells {
    fn read(&self, i: usize) -> u16;
    fn write(&mut self, i: usize, v: u16);

    /// Writes the leading plain bytes of `bytes` (those at or above b' ',
    /// which `Screen::putc` would show as they are) into the cells from
    /// `at` on; returns how many it wrote. `at + bytes.len()` is at most
    /// SIZE. A screen overrides it to check the bounds once per run
    /// instead of once per cell.
    fn write_plain(&mut self, at: usize, bytes: &[u8]) -> usize {
        let n = plain_prefix(bytes);
        for (i, &c) in bytes[..n].iter().enumerate() {
            self.write(at + i, ATTR | c as u16);
        }
        n
    }

    /// Moves every row up by one and blanks the last.
    fn scroll(&mut self) {
        for i in 0..SIZE - COLS {
            self.write(i, self.read(i + COLS));
        }
        for i in SIZE - COLS..SIZE {
            self.write(i, BLANK);
        }
    }
}

impl Cells for [u16; SIZE] {
    fn read(&self, i: usize) -> u16 {
        self[i]
    }
    fn write(&mut self, i: usize, v: u16) {
        self[i] = v;
    }
}

/// How many bytes at the start of `bytes` are plain characters: no
/// control byte that moves the cursor (or is shown through `putc`).
fn plain_prefix(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|&&c| c >= b' ').count()
}

/// Where the next character goes.
pub struct Screen {
    pos: usize,
}

impl Screen {
    pub const fn new(pos: usize) -> Screen {
        Screen {
            pos: if pos < SIZE { pos } else { 0 },
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Shows byte `c` and moves the cursor, scrolling at the bottom.
    pub fn putc(&mut self, cells: &mut impl Cells, c: u8) {
        match c {
            b'\n' => self.pos += COLS - self.pos % COLS,
            b'\r' => self.pos -= self.pos % COLS,
            0x08 => {
                if self.pos > 0 {
                    self.pos -= 1;
                    cells.write(self.pos, BLANK);
                }
            }
            b'\t' => {
                let stop = (self.pos / TAB_STOP + 1) * TAB_STOP;
                while self.pos < stop && self.pos < SIZE {
                    cells.write(self.pos, BLANK);
                    self.pos += 1;
                }
            }
            _ => {
                cells.write(self.pos, ATTR | c as u16);
                self.pos += 1;
            }
        }
        self.scroll_if_full(cells);
    }

    fn scroll_if_full(&mut self, cells: &mut impl Cells) {
        if self.pos >= SIZE {
            cells.scroll();
            self.pos -= COLS;
        }
    }

    /// Shows `bytes` as `putc` would one by one, but writes each run of
    /// plain characters up to the end of the row in one go (issue 11:
    /// per byte, `putc`'s match and its two bounds checks cost three times
    /// the store itself).
    pub fn write(&mut self, cells: &mut impl Cells, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some(&c) = rest.first() {
            let room = COLS - self.pos % COLS;
            let n = cells.write_plain(self.pos, &rest[..rest.len().min(room)]);
            if n == 0 {
                self.putc(cells, c);
                rest = &rest[1..];
            } else {
                self.pos += n;
                self.scroll_if_full(cells);
                rest = &rest[n..];
            }
        }
    }
}

#[cfg(target_os = "none")]
pub use machine::{init, write};

#[cfg(target_os = "none")]
mod machine {
    use super::*;
    use crate::x86::inb;
    use inc::memlayout::KERNBASE;
    use spin::Mutex;

    const BUFFER_PA: u32 = 0xB8000;
    /// CRT controller: an index register and its data register.
    const CRT_INDEX: u16 = 0x3D4;
    const CRT_DATA: u16 = 0x3D5;
    const CURSOR_HIGH: u8 = 14;
    const CURSOR_LOW: u8 = 15;

    /// The screen memory, reached through the direct map (the entry page
    /// directory maps it too, so the console works from the first line).
    pub struct CgaMemory;

    impl CgaMemory {
        fn cell(i: usize) -> *mut u16 {
            assert!(i < SIZE);
            ((KERNBASE + BUFFER_PA) as usize as *mut u16).wrapping_add(i)
        }
    }

    impl Cells for CgaMemory {
        fn read(&self, i: usize) -> u16 {
            // SAFETY: cell(i) is one of the 2000 cells of the mapped screen.
            unsafe { Self::cell(i).read_volatile() }
        }
        fn write(&mut self, i: usize, v: u16) {
            // SAFETY: as for read.
            unsafe { Self::cell(i).write_volatile(v) }
        }

        /// One `lodsb`/`stosw` loop (x86::widen_while_at_least): five
        /// instructions a character, the compiler's loop took twelve.
        fn write_plain(&mut self, at: usize, bytes: &[u8]) -> usize {
            assert!(at + bytes.len() <= SIZE);
            const _: () = assert!(ATTR & 0xff == 0);
            // SAFETY: at + bytes.len() <= SIZE (checked above): cells of the
            // mapped screen, to which no reference exists.
            unsafe {
                crate::x86::widen_while_at_least(Self::cell(at), bytes, b' ', (ATTR >> 8) as u8)
            }
        }

        /// With string instructions: a cell at a time, a scroll cost about
        /// 18,000 instructions, the bulk of every line the kernel prints.
        fn scroll(&mut self) {
            const _: () = assert!(COLS.is_multiple_of(2) && SIZE.is_multiple_of(2));
            let words = |cells: usize| cells / 2; // two u16 cells per word
            let screen = Self::cell(0) as *mut u32;
            let blanks = u32::from(BLANK) << 16 | u32::from(BLANK);
            // SAFETY: both ranges lie in the 2000 cells of the screen (4000
            // bytes at a 4-aligned address); the copy moves rows 1.. down to
            // 0.. (dst below src, as copy_words allows), then the last row
            // is blanked. No reference to screen memory exists.
            unsafe {
                let last_row = screen.add(words(SIZE - COLS));
                crate::x86::copy_words(screen, screen.add(words(COLS)), words(SIZE - COLS));
                crate::x86::fill_words(last_row, blanks, words(COLS));
            }
        }
    }

    /// Writes the CRT controller's index or data register.
    fn outb(port: u16, v: u8) {
        assert!(port == CRT_INDEX || port == CRT_DATA);
        // SAFETY: the CRT controller's registers only steer the display.
        unsafe { crate::x86::outb(port, v) }
    }

    static SCREEN: Mutex<Screen> = Mutex::new(Screen::new(0));

    /// Continues where the firmware left the cursor.
    pub fn init() {
        outb(CRT_INDEX, CURSOR_HIGH);
        let high = inb(CRT_DATA) as usize;
        outb(CRT_INDEX, CURSOR_LOW);
        let low = inb(CRT_DATA) as usize;
        *SCREEN.lock() = Screen::new(high << 8 | low);
    }

    /// Shows `bytes`, then moves the hardware cursor once (four port
    /// writes per call instead of per byte).
    pub fn write(bytes: &[u8]) {
        let mut screen = SCREEN.lock();
        screen.write(&mut CgaMemory, bytes);
        let pos = screen.pos();
        outb(CRT_INDEX, CURSOR_HIGH);
        outb(CRT_DATA, (pos >> 8) as u8);
        outb(CRT_INDEX, CURSOR_LOW);
        outb(CRT_DATA, pos as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(cells: &[u16; SIZE], row: usize) -> String {
        let line: String = (0..COLS)
            .map(|c| (cells[row * COLS + c] & 0xff) as u8 as char)
            .collect();
        line.trim_end().to_string()
    }

    fn put(screen: &mut Screen, cells: &mut [u16; SIZE], s: &str) {
        s.bytes().for_each(|c| screen.putc(cells, c));
    }

    #[test]
    fn writes_with_attribute_and_newlines() {
        let mut cells = [BLANK; SIZE];
        let mut s = Screen::new(0);
        put(&mut s, &mut cells, "hi\nthere");
        assert_eq!(cells[0], 0x0700 | b'h' as u16);
        assert_eq!(text(&cells, 0), "hi");
        assert_eq!(text(&cells, 1), "there");
        assert_eq!(s.pos(), COLS + 5);
        put(&mut s, &mut cells, "\rT");
        assert_eq!(text(&cells, 1), "There");
    }

    #[test]
    fn backspace_erases_and_stops_at_origin() {
        let mut cells = [BLANK; SIZE];
        let mut s = Screen::new(0);
        put(&mut s, &mut cells, "ab\x08\x08\x08c");
        assert_eq!(text(&cells, 0), "c");
        assert_eq!(s.pos(), 1);
    }

    #[test]
    fn tabs_go_to_the_next_stop() {
        let mut cells = [BLANK; SIZE];
        let mut s = Screen::new(0);
        put(&mut s, &mut cells, "ab\tc");
        assert_eq!(s.pos(), 9);
        assert_eq!(text(&cells, 0), "ab      c");
    }

    #[test]
    fn scrolls_at_the_bottom() {
        let mut cells = [BLANK; SIZE];
        let mut s = Screen::new(0);
        for row in 0..ROWS {
            put(&mut s, &mut cells, &format!("line {row}\n"));
        }
        // The 25th newline pushed "line 0" off the top.
        assert_eq!(text(&cells, 0), "line 1");
        assert_eq!(text(&cells, ROWS - 2), "line 24");
        assert_eq!(text(&cells, ROWS - 1), "");
        assert_eq!(s.pos(), (ROWS - 1) * COLS);
        // A full last row wraps and scrolls too.
        put(&mut s, &mut cells, &"x".repeat(COLS));
        assert_eq!(text(&cells, ROWS - 2), "x".repeat(COLS));
        assert_eq!(s.pos(), (ROWS - 1) * COLS);
    }

    #[test]
    fn write_matches_putc_byte_by_byte() {
        let mut text = String::new();
        for i in 0..40 {
            text += &format!("[{i:08x}] new env\tx\x08y\r{}\n", "z".repeat(i * 7 % 130));
        }
        let (mut a, mut b) = ([BLANK; SIZE], [BLANK; SIZE]);
        let (mut sa, mut sb) = (Screen::new(77), Screen::new(77));
        for chunk in text.as_bytes().chunks(37) {
            sa.write(&mut a, chunk);
            chunk.iter().for_each(|&c| sb.putc(&mut b, c));
            assert_eq!(sa.pos(), sb.pos());
        }
        assert!(a == b);
    }

    #[test]
    fn bad_start_position_is_reset() {
        assert_eq!(Screen::new(SIZE).pos(), 0);
        assert_eq!(Screen::new(0xffff).pos(), 0);
    }
}
