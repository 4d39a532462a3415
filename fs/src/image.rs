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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::ROOT;

    /// An image laid out the way JOS's fsformat lays it out: blocks handed
    /// out in order from block 3; each file's data contiguous, its indirect
    /// block (given whenever the file reaches NDIRECT blocks) right after
    /// its data; the root directory's blocks last; then every block used so
    /// far cleared in a bitmap that starts all ones.
    fn jos_layout_image(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let nblocks = 1024u32;
        let mut img = vec![0u8; nblocks as usize * BLKSIZE];
        let mut next = 3u32;
        let mut entries = Vec::new();
        let put_u32 = |img: &mut Vec<u8>, b: u32, i: usize, v: u32| {
            let at = b as usize * BLKSIZE + i * 4;
            img[at..at + 4].copy_from_slice(&v.to_le_bytes());
        };
        let finish = |img: &mut Vec<u8>, f: &mut File, start: u32, len: usize, next: &mut u32| {
            f.f_size = len as i32;
            let n = len.div_ceil(BLKSIZE);
            for i in 0..n.min(NDIRECT) {
                f.f_direct[i] = start + i as u32;
            }
            if n >= NDIRECT {
                f.f_indirect = *next;
                *next += 1;
                for i in NDIRECT..n {
                    put_u32(img, f.f_indirect, i - NDIRECT, start + i as u32);
                }
            }
        };
        for (name, data) in files {
            let mut f = File::zeroed();
            f.f_name[..name.len()].copy_from_slice(name.as_bytes());
            let start = next;
            let at = start as usize * BLKSIZE;
            img[at..at + data.len()].copy_from_slice(data);
            next += data.len().div_ceil(BLKSIZE) as u32;
            finish(&mut img, &mut f, start, data.len(), &mut next);
            entries.push(f);
        }
        let mut sup = Super::zeroed();
        sup.s_magic = FS_MAGIC;
        sup.s_nblocks = nblocks;
        sup.s_root.f_name[0] = b'/';
        sup.s_root.f_type = FTYPE_DIR;
        let dir_start = next;
        let dir_bytes: Vec<u8> = entries
            .iter()
            .flat_map(|f| bytemuck::bytes_of(f).to_vec())
            .collect();
        let at = dir_start as usize * BLKSIZE;
        img[at..at + dir_bytes.len()].copy_from_slice(&dir_bytes);
        next += dir_bytes.len().div_ceil(BLKSIZE) as u32;
        let dir_len = dir_bytes.len().div_ceil(BLKSIZE) * BLKSIZE;
        finish(&mut img, &mut sup.s_root, dir_start, dir_len, &mut next);
        img[BLKSIZE..BLKSIZE + core::mem::size_of::<Super>()]
            .copy_from_slice(bytemuck::bytes_of(&sup));
        img[2 * BLKSIZE..3 * BLKSIZE].fill(0xFF);
        for b in 0..next {
            img[2 * BLKSIZE + b as usize / 8] &= !(1 << (b % 8));
        }
        img
    }

    #[test]
    fn an_image_in_jos_layout_mounts_reads_and_passes_fsck() {
        let data = |n: usize, s: u8| (0..n).map(|i| (i as u8) ^ s).collect::<Vec<u8>>();
        let files = [
            ("motd", b"This is /motd\n".to_vec()),
            ("ten", data(10 * BLKSIZE, 3)),
            ("big", data(12 * BLKSIZE + 7, 9)),
        ];
        let img = jos_layout_image(&files);
        assert_eq!(crate::fsck::fsck(img.clone()), Vec::<String>::new());
        let mut fs = Fs::mount(MemDisk::new(img), 1024).expect("JOS's layout mounts");
        assert_eq!(fs.get_file(ROOT).f_type, FTYPE_DIR);
        for (name, want) in &files {
            let f = fs.file_open(format!("/{name}").as_bytes()).unwrap();
            let mut got = vec![0; want.len() + 10];
            assert_eq!(fs.file_read(f, &mut got, 0), Ok(want.len()));
            assert_eq!(&got[..want.len()], &want[..]);
        }
        // And it can be written to: the new blocks come from the bitmap.
        add_file(&mut fs, "new", &data(3 * BLKSIZE, 1)).unwrap();
        assert_eq!(
            crate::fsck::fsck(fs.dev.bytes.clone()),
            Vec::<String>::new()
        );
    }
}
