//! testpipe: a message through a pipe to a forked child, end of file when
//! the writer closes, and a writer stopped when the reader closes.
#![no_std]
#![no_main]

use jos::{close, cprintf, fork, panic, pipe, read, readn, wait, write};

const MESSAGE: &[u8] = b"Now is the time for all good men to come to the aid of their party.";

fn pipe_or_die() -> [i32; 2] {
    pipe().unwrap_or_else(|e| panic!("pipe: %e", e))
}

/// The child reads the message, then sees end of file once the parent closes.
fn message_and_eof() {
    let p = pipe_or_die();
    match fork() {
        Ok(0) => {
            let _ = close(p[1]);
            let mut buf = [0u8; 100];
            let n =
                readn(p[0], &mut buf[..MESSAGE.len()]).unwrap_or_else(|e| panic!("read: %e", e));
            if &buf[..n] != MESSAGE {
                panic!("child read %d bytes, not the message", n);
            }
            cprintf!("testpipe: child read the message\n");
            match read(p[0], &mut buf) {
                Ok(0) => {
                    cprintf!("testpipe: child saw end of file\n");
                }
                r => panic!(
                    "read after the writer closed: %d",
                    r.map_or_else(|e| e, |n| n as i32)
                ),
            }
            jos::exit();
        }
        Ok(child) => {
            let _ = close(p[0]);
            match write(p[1], MESSAGE) {
                Ok(n) if n == MESSAGE.len() => {}
                r => panic!("write: %d", r.map_or_else(|e| e, |n| n as i32)),
            }
            let _ = close(p[1]);
            wait(child);
        }
        Err(e) => panic!("fork: %e", e),
    }
}

/// The child writes until the parent closes the read end.
fn writer_stops() {
    let p = pipe_or_die();
    match fork() {
        Ok(0) => {
            let _ = close(p[0]);
            let mut total = 0usize;
            loop {
                match write(p[1], b"x") {
                    Ok(1) => total += 1,
                    Ok(_) => break,
                    Err(e) => panic!("write: %e", e),
                }
            }
            cprintf!(
                "testpipe: writer stopped after the read end closed (%d bytes)\n",
                total
            );
            jos::exit();
        }
        Ok(child) => {
            let _ = close(p[1]);
            let mut buf = [0u8; 10];
            let _ = readn(p[0], &mut buf);
            let _ = close(p[0]);
            wait(child);
        }
        Err(e) => panic!("fork: %e", e),
    }
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    message_and_eof();
    writer_stops();
    cprintf!("testpipe: done\n");
}
