//! echo: prints its arguments to fd 1; `-n` leaves out the newline.
#![no_std]
#![no_main]

use jos::write;

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    let mut words = args.as_slice().get(1..).unwrap_or(&[]);
    let newline = words.first() != Some(&&b"-n"[..]);
    if !newline {
        words = &words[1..];
    }
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let _ = write(1, b" ");
        }
        let _ = write(1, w);
    }
    if newline {
        let _ = write(1, b"\n");
    }
}
