//! The lab 5 file system's on-disk format and the file-server protocol,
//! byte for byte as JOS's `inc/fs.h` (see docs/abi.md, "File system").
//!
//! Both the FS server (`fs/`), the user library (`lib/`) and the host tools
//! (the image builder and `fsck`) use these definitions, so the three can
//! never disagree about a layout.

use bytemuck::{Pod, Zeroable};

/// Bytes per file-system block (one page, so a block maps onto a page).
pub const BLKSIZE: usize = 4096;
/// Bits of bitmap in one block.
pub const BLKBITSIZE: usize = BLKSIZE * 8;
/// Bytes per disk sector, and sectors per block.
pub const SECTSIZE: usize = 512;
pub const BLKSECTS: usize = BLKSIZE / SECTSIZE;

/// Longest file name, including its NUL.
pub const MAXNAMELEN: usize = 128;
/// Longest path, including its NUL.
pub const MAXPATHLEN: usize = 1024;

/// Block pointers held in a `File` itself, and in its indirect block.
pub const NDIRECT: usize = 10;
pub const NINDIRECT: usize = BLKSIZE / 4;
/// The largest file the format can describe.
pub const MAXFILESIZE: usize = (NDIRECT + NINDIRECT) * BLKSIZE;

/// `File`s in one directory block.
pub const BLKFILES: usize = BLKSIZE / core::mem::size_of::<File>();

/// `f_type` values.
pub const FTYPE_REG: u32 = 0;
pub const FTYPE_DIR: u32 = 1;

/// The superblock's magic number.
pub const FS_MAGIC: u32 = 0x4A05_30AE;

/// Where the FS env maps the disk (block b at DISKMAP + b * BLKSIZE), and
/// the largest disk it can map.
pub const DISKMAP: u32 = 0x1000_0000;
pub const DISKSIZE: u32 = 0xC000_0000;

/// A file or directory as stored in its directory (256 bytes).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct File {
    /// NUL-terminated name; an empty name marks a free directory slot.
    pub f_name: [u8; MAXNAMELEN],
    pub f_size: i32,
    pub f_type: u32,
    /// Block numbers of the first NDIRECT blocks (0 = none).
    pub f_direct: [u32; NDIRECT],
    /// Block holding NINDIRECT more block numbers (0 = none).
    pub f_indirect: u32,
    pub f_pad: [u8; 256 - MAXNAMELEN - 8 - 4 * NDIRECT - 4],
}

impl File {
    /// The name up to its NUL.
    pub fn name(&self) -> &[u8] {
        let n = self
            .f_name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(MAXNAMELEN);
        &self.f_name[..n]
    }
}

/// Block 1 of the disk.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct Super {
    pub s_magic: u32,
    /// Blocks on the disk, block 0 included.
    pub s_nblocks: u32,
    pub s_root: File,
}

/// Request types: the IPC value a client sends to the FS env.
pub const FSREQ_OPEN: u32 = 1;
pub const FSREQ_SET_SIZE: u32 = 2;
pub const FSREQ_READ: u32 = 3;
pub const FSREQ_WRITE: u32 = 4;
pub const FSREQ_STAT: u32 = 5;
pub const FSREQ_FLUSH: u32 = 6;
pub const FSREQ_REMOVE: u32 = 7;
pub const FSREQ_SYNC: u32 = 8;
/// RJOS (docs/mmap.md): lend the block-cache page holding one block of an
/// open file (`ReqMap`); the reply carries the page. 10 and 11 are free for
/// more mmap requests; 12-15 belong to the swap store.
pub const FSREQ_MAP: u32 = 9;

// RJOS's swap store (docs/swap.md), served by the FS env from its second
// disk. OUT and IN carry the page's address in the IPC value's upper 20
// bits (the value is `va | FSREQ_SWAP_OUT`); FORK and DISCARD take their
// arguments in the request page.
/// Save the page sent with the request as the caller's page at `va`.
pub const FSREQ_SWAP_OUT: u32 = 12;
/// Reply with the caller's page at `va` (a fresh frame) and forget it.
pub const FSREQ_SWAP_IN: u32 = 13;
/// Give the child named in the request page the caller's paged-out pages.
pub const FSREQ_SWAP_FORK: u32 = 14;
/// Forget the caller's pages in [lo, hi) (request page: lo, hi) and reply
/// with the number of slots in use in the whole store.
pub const FSREQ_SWAP_DISCARD: u32 = 15;
/// The request number's bits in a swap request's IPC value.
pub const FSREQ_SWAP_MASK: u32 = 0xFFF;

/// Open modes (`req_omode`, `fd_omode`).
pub const O_RDONLY: i32 = 0x0000;
pub const O_WRONLY: i32 = 0x0001;
pub const O_RDWR: i32 = 0x0002;
pub const O_ACCMODE: i32 = 0x0003;
pub const O_CREAT: i32 = 0x0100;
pub const O_TRUNC: i32 = 0x0200;
pub const O_EXCL: i32 = 0x0400;
pub const O_MKDIR: i32 = 0x0800;

/// Open files the server keeps at once.
pub const MAXOPEN: usize = 1024;

/// Where the server receives a client's request page.
pub const FS_REQ_VA: u32 = 0x0FFF_F000;

/// The request page, viewed as each request (JOS's `union Fsipc`). Each view
/// is plain data, so the server may read one out of a page a client wrote.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqOpen {
    pub req_path: [u8; MAXPATHLEN],
    pub req_omode: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqSetSize {
    pub req_fileid: i32,
    pub req_size: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqRead {
    pub req_fileid: i32,
    pub req_n: u32,
}

/// Bytes a single write request can carry.
pub const WRITE_BUF_SIZE: usize = BLKSIZE - 8;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqWrite {
    pub req_fileid: i32,
    pub req_n: u32,
    pub req_buf: [u8; WRITE_BUF_SIZE],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqStat {
    pub req_fileid: i32,
}

/// The STAT reply, written over the request page.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct RetStat {
    pub ret_name: [u8; MAXNAMELEN],
    pub ret_size: i32,
    pub ret_isdir: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqFlush {
    pub req_fileid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqRemove {
    pub req_path: [u8; MAXPATHLEN],
}

/// FSREQ_MAP: the block at byte `req_offset` (a multiple of BLKSIZE, below
/// the file's size) of the open file `req_fileid`, lent with the page
/// permissions `req_perm` (0, PTE_SHARE, or PTE_W | PTE_SHARE; PTE_P|PTE_U
/// are implied).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct ReqMap {
    pub req_fileid: i32,
    pub req_offset: u32,
    pub req_perm: u32,
}

/// Where the library keeps its own references to the files it maps: page i
/// of this window is a copy of the mapped fd's page (so the file stays open
/// after the fd is closed). The server honours a fileid from an env that
/// maps the file's Fd page among its fds or here.
pub const MMAPFD: u32 = 0xDC00_0000;
/// Pages in the MMAPFD window.
pub const MAXMMAPFD: usize = 32;

/// Page `i` of the MMAPFD window.
pub const fn mmap_fd_page(i: usize) -> u32 {
    MMAPFD + i as u32 * 4096
}

/// Demand-paged program text (docs/vm.md): `spawn` leaves the program
/// file's Fd page in the child at the last page of the MMAPFD window (so
/// the server honours its fileid and the file stays open) ...
pub const TEXT_HANDLE: u32 = mmap_fd_page(MAXMMAPFD - 1);
/// ... and, read-only just above the window, the table of the ranges the
/// child pages in itself on first touch (FSREQ_MAP, read-only loans).
pub const TEXT_MAP: u32 = mmap_fd_page(MAXMMAPFD);
/// `TextMap::magic` once spawn has written the table.
pub const TEXT_MAP_MAGIC: u32 = 0x5445_5854; // "TEXT"
/// Ranges a TextMap holds (one per read-only segment paged on demand).
pub const MAXTEXTRANGES: usize = 8;

/// `[start, end)` of the child's address space (page-aligned) holds the
/// program file's bytes from `offset` on (a multiple of BLKSIZE).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
    pub offset: u32,
}

/// The page at TEXT_MAP.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct TextMap {
    pub magic: u32,
    pub count: u32,
    pub ranges: [TextRange; MAXTEXTRANGES],
}

/// A table with no ranges.
impl Default for TextMap {
    fn default() -> TextMap {
        TextMap::zeroed()
    }
}

impl TextMap {
    /// The table as the bytes of its page.
    pub fn as_bytes(&self) -> &[u8] {
        bytemuck::bytes_of(self)
    }

    /// The ranges the table holds (none if it is not a text map).
    pub fn ranges(&self) -> &[TextRange] {
        if self.magic != TEXT_MAP_MAGIC {
            return &[];
        }
        &self.ranges[..(self.count as usize).min(MAXTEXTRANGES)]
    }

    /// The range holding `va`, if the table is valid and has one.
    pub fn find(&self, va: u32) -> Option<TextRange> {
        self.ranges()
            .iter()
            .copied()
            .find(|r| (r.start..r.end).contains(&va))
    }

    /// Adds a range; false if the table is full.
    pub fn push(&mut self, r: TextRange) -> bool {
        let n = self.count as usize;
        if n >= MAXTEXTRANGES {
            return false;
        }
        self.magic = TEXT_MAP_MAGIC;
        self.ranges[n] = r;
        self.count += 1;
        true
    }

    /// The file offset of page `va` of range `r`.
    pub fn file_offset(r: &TextRange, va: u32) -> u32 {
        r.offset + (va & !0xFFF) - r.start
    }
}

/// The whole request page (4096 bytes); READ replies with raw bytes here.
#[repr(C, align(4096))]
#[derive(Clone, Copy, Pod, Zeroable)]
pub struct Fsipc {
    pub bytes: [u8; BLKSIZE],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn text_map_finds_its_ranges_only() {
        let mut m = TextMap::zeroed();
        m.ranges[0] = TextRange {
            start: 0x80_9000,
            end: 0xA0_9000,
            offset: 0x9000,
        };
        m.count = 1;
        assert_eq!(m.find(0x80_9000), None, "no magic, no table");
        m = TextMap::zeroed();
        assert!(m.push(TextRange {
            start: 0x80_9000,
            end: 0xA0_9000,
            offset: 0x9000
        }));
        assert_eq!(m.magic, TEXT_MAP_MAGIC);
        assert_eq!(m.find(0x80_8fff), None);
        assert_eq!(m.find(0xA0_9000), None);
        let r = m.find(0x90_0123).unwrap();
        assert_eq!(
            TextMap::file_offset(&r, 0x90_0123),
            0x9000 + 0x90_0000 - 0x80_9000
        );
        for _ in 1..MAXTEXTRANGES {
            assert!(m.push(TextRange {
                start: 0,
                end: 0x1000,
                offset: 0
            }));
        }
        assert!(
            !m.push(TextRange {
                start: 0,
                end: 0x1000,
                offset: 0
            }),
            "full"
        );
        m.count = 99; // a corrupt count reads no further than the array
        assert_eq!(m.ranges().len(), MAXTEXTRANGES);
        assert!(m.find(0x80_9000).is_some());
        assert!(core::mem::size_of::<TextMap>() <= 4096);
    }

    #[test]
    fn layouts_match_jos() {
        assert_eq!(size_of::<File>(), 256);
        assert_eq!(offset_of!(File, f_size), 128);
        assert_eq!(offset_of!(File, f_type), 132);
        assert_eq!(offset_of!(File, f_direct), 136);
        assert_eq!(offset_of!(File, f_indirect), 176);
        assert_eq!(BLKFILES, 16);
        assert_eq!(offset_of!(Super, s_nblocks), 4);
        assert_eq!(offset_of!(Super, s_root), 8);
        assert_eq!(offset_of!(ReqOpen, req_omode), 1024);
        assert_eq!(offset_of!(ReqWrite, req_buf), 8);
        assert_eq!(size_of::<ReqWrite>(), 4096);
        assert_eq!(offset_of!(RetStat, ret_size), 128);
        assert_eq!(offset_of!(RetStat, ret_isdir), 132);
        assert_eq!(size_of::<Fsipc>(), 4096);
        assert_eq!(offset_of!(ReqMap, req_offset), 4);
        assert_eq!(offset_of!(ReqMap, req_perm), 8);
        // The window lies past the fd data windows and below the stack.
        assert!(mmap_fd_page(0) >= crate::fd::FILEDATA + crate::fd::MAXFD as u32 * 0x40_0000);
        assert!(mmap_fd_page(MAXMMAPFD) <= crate::memlayout::USTACKTOP - (2 << 20));
        assert_eq!(MAXFILESIZE, 4_235_264);
    }
}
