//! Disk images in memory (host only): a [`BlockDev`] over a byte vector,
//! and `mkfs`, which lays out an empty file system as JOS's fsformat does.

use crate::fs::{bitmap_blocks, BlockDev, Fs, BITMAP_START};
use bytemuck::Zeroable;
use inc::fs::*;

/// A disk image held in memory.
pub struct MemDisk {
    pub bytes: Vec<u8>,
}

impl MemDisk {
    /// The image in `bytes`, padded with zeros to whole blocks.
    pub fn new(mut bytes: Vec<u8>) -> MemDisk {
        bytes.resize(bytes.len().div_ceil(BLKSIZE) * BLKSIZE, 0);
        MemDisk { bytes }
    }

    pub fn blocks(&self) -> u32 {
        (self.bytes.len() / BLKSIZE) as u32
    }

    fn range(&self, b: u32, off: usize, len: usize) -> std::ops::Range<usize> {
        assert!(off + len <= BLKSIZE, "access crosses block {b}");
        let start = b as usize * BLKSIZE + off;
        start..start + len
    }
}

impl BlockDev for MemDisk {
    fn read(&mut self, b: u32, off: usize, out: &mut [u8]) {
        let r = self.range(b, off, out.len());
        out.copy_from_slice(&self.bytes[r]);
    }
    fn write(&mut self, b: u32, off: usize, data: &[u8]) {
        let r = self.range(b, off, data.len());
        self.bytes[r].copy_from_slice(data);
    }
    fn flush(&mut self, _b: u32) {}
    fn sync(&mut self) {}
}

/// An empty file system of `nblocks` blocks: boot block, superblock with
/// an empty root directory "/", the bitmap (bit set = free) with blocks 0,
/// 1 and the bitmap's own marked in use, as JOS's fsformat leaves them.
pub fn mkfs(nblocks: u32) -> Fs<MemDisk> {
    let nbitmap = bitmap_blocks(nblocks);
    assert!(
        nblocks > BITMAP_START + nbitmap,
        "a disk of {nblocks} blocks is too small"
    );
    let mut disk = MemDisk::new(vec![0; nblocks as usize * BLKSIZE]);
    let mut sup = Super::zeroed();
    sup.s_magic = FS_MAGIC;
    sup.s_nblocks = nblocks;
    sup.s_root.f_name[0] = b'/';
    sup.s_root.f_type = FTYPE_DIR;
    disk.write(1, 0, bytemuck::bytes_of(&sup));
    let bitmap = BITMAP_START as usize * BLKSIZE..(BITMAP_START + nbitmap) as usize * BLKSIZE;
    disk.bytes[bitmap].fill(0xFF);
    let mut fs = Fs::mount(disk, nblocks).expect("a fresh superblock mounts");
    for b in 0..BITMAP_START + nbitmap {
        // Reserved blocks: mark them used directly in the bitmap.
        let (blk, off) = (
            BITMAP_START + b / BLKBITSIZE as u32,
            (b % BLKBITSIZE as u32) / 32 * 4,
        );
        let w = crate::fs::read_u32(&mut fs.dev, blk, off as usize) & !(1 << (b % 32));
        crate::fs::write_u32(&mut fs.dev, blk, off as usize, w);
    }
    fs
}

/// Creates `/name` holding `data` (a file name without slashes).
pub fn add_file(fs: &mut Fs<MemDisk>, name: &str, data: &[u8]) -> Result<(), i32> {
    let path = format!("/{name}");
    let f = fs.file_create(path.as_bytes(), FTYPE_REG)?;
    let n = fs.file_write(f, data, 0)?;
    if n != data.len() {
        return Err(-inc::error::E_NO_DISK);
    }
    Ok(())
}
