//! The file-descriptor table's layout, shared by every env (JOS's
//! `inc/fd.h` and `lib/pipe.c`, byte for byte; see docs/abi.md).
//!
//! An fd is open while its page at `fd_page(i)` is mapped. Fork and spawn
//! share these pages (they carry PTE_SHARE), so an fd's offset is shared too.

use crate::memlayout::{PGSIZE, PTSIZE};
use bytemuck::{Pod, Zeroable};

/// File descriptors per env.
pub const MAXFD: usize = 32;
/// Fd i's page.
pub const FDTABLE: u32 = 0xD000_0000;
/// Fd i's data window (a pipe's buffer page is its first page).
pub const FILEDATA: u32 = FDTABLE + MAXFD as u32 * PGSIZE;

pub const fn fd_page(i: usize) -> u32 {
    FDTABLE + i as u32 * PGSIZE
}

pub const fn fd_data(i: usize) -> u32 {
    FILEDATA + i as u32 * PTSIZE
}

/// Device ids (`fd_dev_id`).
pub const DEV_FILE: i32 = b'f' as i32;
pub const DEV_PIPE: i32 = b'p' as i32;
pub const DEV_CONS: i32 = b'c' as i32;

/// The start of every fd page; the device's own part follows.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Debug)]
pub struct Fd {
    pub fd_dev_id: i32,
    pub fd_offset: i32,
    pub fd_omode: i32,
    /// For a file: the server's fileid. Other devices leave it 0.
    pub fd_file_id: i32,
}

/// A pipe's buffer size.
pub const PIPEBUFSIZ: usize = 32;

/// The page a pipe's two ends share.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Debug)]
pub struct Pipe {
    /// Bytes read so far (the read position is p_rpos % PIPEBUFSIZ).
    pub p_rpos: i32,
    /// Bytes written so far.
    pub p_wpos: i32,
    pub p_buf: [u8; PIPEBUFSIZ],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_jos() {
        assert_eq!(FILEDATA, 0xD002_0000);
        assert_eq!(fd_data(1), 0xD042_0000);
        assert_eq!(offset_of!(Fd, fd_file_id), 12);
        assert_eq!(offset_of!(Pipe, p_buf), 8);
    }
}
