//! ls: lists directories (`/` by default) and files. `-l` adds the size
//! and type, `-F` marks directories with a `/`, `-d` lists a directory
//! itself rather than what is in it.
#![no_std]
#![no_main]

use inc::fs::{File, FTYPE_DIR, MAXNAMELEN, O_RDONLY};
use jos::argv::{parse_flags, Flags};
use jos::{close, open, panic, printf, readn, stat};

fn ls(path: &[u8], flags: Flags) {
    let st = stat(path).unwrap_or_else(|e| panic!("stat %s: %e", path, e));
    if st.st_isdir && !flags.has(b'd') {
        lsdir(path, flags);
    } else {
        entry(None, path, st.st_isdir, st.st_size, flags);
    }
}

/// One `File` (256 bytes) at a time from the directory's blocks.
fn lsdir(path: &[u8], flags: Flags) {
    let fd = open(path, O_RDONLY).unwrap_or_else(|e| panic!("open %s: %e", path, e));
    let mut raw = [0u8; core::mem::size_of::<File>()];
    loop {
        match readn(fd, &mut raw) {
            Ok(n) if n == raw.len() => {}
            Ok(0) => break,
            Ok(_) => panic!("short read in directory %s", path),
            Err(e) => panic!("read %s: %e", path, e),
        }
        // A File: the name (NUL-terminated) at 0, f_size at 128, f_type at 132.
        if raw[0] != 0 {
            let len = raw[..MAXNAMELEN]
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(MAXNAMELEN);
            let size = i32::from_le_bytes([raw[128], raw[129], raw[130], raw[131]]);
            let ftype = u32::from_le_bytes([raw[132], raw[133], raw[134], raw[135]]);
            entry(Some(path), &raw[..len], ftype == FTYPE_DIR, size, flags);
        }
    }
    let _ = close(fd);
}

fn entry(dir: Option<&[u8]>, name: &[u8], isdir: bool, size: i32, flags: Flags) {
    if flags.has(b'l') {
        printf!("%11d %c ", size, if isdir { b'd' } else { b'-' });
    }
    if let Some(d) = dir {
        let sep: &[u8] = if d.last() == Some(&b'/') { b"" } else { b"/" };
        if flags.has(b'l') || d != b"/" {
            printf!("%s%s", d, sep);
        }
    }
    printf!("%s", name);
    if flags.has(b'F') && isdir {
        printf!("/");
    }
    printf!("\n");
}

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    let (flags, paths) = parse_flags(args.as_slice().get(1..).unwrap_or(&[]));
    if paths.is_empty() {
        ls(b"/", flags);
    }
    for &p in paths {
        ls(p, flags);
    }
}
