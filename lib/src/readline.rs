//! Reading a line from fd 0: with the line editor (echo, backspace,
//! history) when fd 0 is the console, else plain bytes up to a newline.

use crate::lineedit::{Event, LineEditor};

/// Prints `prompt`, then edits a line on the console; `None` at end of
/// input. The line is the editor's until the next call.
pub fn readline<'e>(prompt: &[u8], ed: &'e mut LineEditor) -> Option<&'e [u8]> {
    crate::sys_cputs(prompt.as_ptr(), prompt.len());
    ed.start();
    loop {
        let c = crate::getchar().ok()?;
        match ed.feed(c, &mut |b| crate::sys_cputs(b.as_ptr(), b.len())) {
            Event::Done => return Some(ed.line()),
            Event::Eof => return None,
            Event::Editing => {}
        }
    }
}

/// Reads bytes from `fd` up to a newline (not stored) into `buf`; `None`
/// at end of input with nothing read. A line longer than `buf` is cut.
pub fn read_line(fd: i32, buf: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    let mut c = [0u8];
    loop {
        match crate::read(fd, &mut c) {
            Ok(1) if c[0] == b'\n' => return Some(n),
            Ok(1) => {
                if n < buf.len() {
                    buf[n] = c[0];
                    n += 1;
                }
            }
            _ => return (n > 0).then_some(n),
        }
    }
}

/// The program's line editor with its history (2 KB: too big for the
/// one-page stack, so it lives in the bss).
struct EditorCell(core::cell::UnsafeCell<LineEditor>);

// SAFETY: an env is single-threaded, and `editor` hands out the one
// reference (a forked child has its own copy of the memory).
unsafe impl Sync for EditorCell {}

static EDITOR: EditorCell = EditorCell(core::cell::UnsafeCell::new(LineEditor::new()));

/// The program's line editor.
///
/// # Safety
/// Call it once per program: the reference is exclusive.
pub unsafe fn editor() -> &'static mut LineEditor {
    // SAFETY: the caller promises this is the only reference.
    unsafe { &mut *EDITOR.0.get() }
}
