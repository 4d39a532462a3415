//! The file system proper: superblock, free bitmap, the blocks of a file
//! (direct and indirect), directories and path walks, and the file
//! operations the server offers.
//!
//! Everything here is pure logic over a [`BlockDev`], so it runs the same
//! in the FS env (over the demand-paged block cache) and on the host (over
//! an image in memory, for the tests, `fsformat` and `fsck`).
//!
//! A file is named by where its `File` record lives ([`FileRef`]): the root
//! inside the superblock, any other file in a block of its directory. Every
//! record is copied out, changed and copied back, so no reference into a
//! block is ever held across a call (the cache may evict any block the
//! current copy is not touching).
//!
//! Block numbers read from the disk are checked before use: a corrupted
//! image gets `-E_INVAL`, never an access outside the disk.

use bytemuck::Zeroable;
use inc::error::*;
use inc::fs::*;

/// A disk of BLKSIZE blocks.
pub trait BlockDev {
    /// Copies `out.len()` bytes at byte `off` of block `b` into `out`.
    fn read(&mut self, b: u32, off: usize, out: &mut [u8]);
    /// Copies `data` to byte `off` of block `b`.
    fn write(&mut self, b: u32, off: usize, data: &[u8]);
    /// Makes sure block `b` is on the disk (a no-op for a memory image).
    fn flush(&mut self, b: u32);
    /// Flushes every block.
    fn sync(&mut self);
}

/// Where a `File` record lives: block and byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRef {
    pub block: u32,
    pub offset: u32,
}

/// The root directory's record, inside the superblock.
pub const ROOT: FileRef = FileRef {
    block: 1,
    offset: 8,
};

/// The block holding the first block of the bitmap.
pub const BITMAP_START: u32 = 2;

/// Bitmap blocks for a disk of `nblocks` blocks.
pub fn bitmap_blocks(nblocks: u32) -> u32 {
    nblocks.div_ceil(BLKBITSIZE as u32)
}

/// Blocks a file of `size` bytes spans.
pub fn size_blocks(size: u32) -> u32 {
    size.div_ceil(BLKSIZE as u32)
}

/// The result of a path walk.
pub struct Walk<'a> {
    /// The directory the last element was looked up in.
    pub dir: FileRef,
    /// The file, if it exists.
    pub file: Option<FileRef>,
    /// The last element of the path (empty for the root).
    pub last: &'a [u8],
}

/// Where a file block's number is kept.
enum Slot {
    Direct(usize),
    Indirect(u32, usize),
}

/// A mounted file system.
pub struct Fs<D: BlockDev> {
    pub dev: D,
    nblocks: u32,
    /// Where the next free-block search starts.
    alloc_hint: u32,
}

impl<D: BlockDev> Fs<D> {
    /// Checks the superblock of the disk in `dev`, which holds at most
    /// `max_blocks` blocks. Err(-E_INVAL) for a bad magic or size.
    pub fn mount(mut dev: D, max_blocks: u32) -> Result<Self, i32> {
        let magic = read_u32(&mut dev, 1, 0);
        let nblocks = read_u32(&mut dev, 1, 4);
        if magic != FS_MAGIC || nblocks > max_blocks || nblocks < BITMAP_START + 1 {
            return Err(-E_INVAL);
        }
        let mut fs = Fs {
            dev,
            nblocks,
            alloc_hint: 0,
        };
        fs.alloc_hint = fs.first_data_block();
        if fs.first_data_block() >= nblocks {
            return Err(-E_INVAL);
        }
        Ok(fs)
    }

    /// Blocks on the disk (the superblock's s_nblocks).
    pub fn nblocks(&self) -> u32 {
        self.nblocks
    }

    /// The first block after the bitmap.
    pub fn first_data_block(&self) -> u32 {
        BITMAP_START + bitmap_blocks(self.nblocks)
    }

    fn check_data_block(&self, b: u32) -> Result<u32, i32> {
        if b < self.first_data_block() || b >= self.nblocks {
            return Err(-E_INVAL);
        }
        Ok(b)
    }

    // --- the bitmap ------------------------------------------------------

    fn bit_place(b: u32) -> (u32, usize, u32) {
        let block = BITMAP_START + b / BLKBITSIZE as u32;
        let word = (b % BLKBITSIZE as u32) / 32;
        (block, word as usize * 4, 1 << (b % 32))
    }

    /// Whether block `b` is marked free (false for blocks off the disk).
    pub fn block_is_free(&mut self, b: u32) -> bool {
        if b >= self.nblocks {
            return false;
        }
        let (blk, off, bit) = Self::bit_place(b);
        read_u32(&mut self.dev, blk, off) & bit != 0
    }

    fn set_free(&mut self, b: u32, free: bool) {
        let (blk, off, bit) = Self::bit_place(b);
        let word = read_u32(&mut self.dev, blk, off);
        let word = if free { word | bit } else { word & !bit };
        write_u32(&mut self.dev, blk, off, word);
    }

    /// Marks data block `b` free. Blocks below the data area never are.
    pub fn free_block(&mut self, b: u32) {
        if self.check_data_block(b).is_ok() {
            self.set_free(b, true);
        }
    }

    /// Takes a free block, zeroes it and returns its number; the bitmap
    /// block is flushed at once, as in JOS. Err(-E_NO_DISK) when full.
    pub fn alloc_block(&mut self) -> Result<u32, i32> {
        let first = self.first_data_block();
        let span = self.nblocks - first;
        let start = self.alloc_hint.clamp(first, self.nblocks - 1);
        for i in 0..span {
            let b = first + (start - first + i) % span;
            // Skip whole words that are all in use.
            if b.is_multiple_of(32) && b + 32 <= self.nblocks {
                let (blk, off, _) = Self::bit_place(b);
                if read_u32(&mut self.dev, blk, off) == 0 {
                    continue;
                }
            }
            if self.block_is_free(b) {
                self.set_free(b, false);
                self.dev.flush(Self::bit_place(b).0);
                self.zero_block(b);
                self.alloc_hint = b + 1;
                return Ok(b);
            }
        }
        Err(-E_NO_DISK)
    }

    fn zero_block(&mut self, b: u32) {
        let zeros = [0u8; 256];
        for off in (0..BLKSIZE).step_by(zeros.len()) {
            self.dev.write(b, off, &zeros);
        }
    }

    // --- File records ----------------------------------------------------

    /// A copy of the record at `f`.
    pub fn get_file(&mut self, f: FileRef) -> File {
        let mut file = File::zeroed();
        self.dev.read(
            f.block,
            f.offset as usize,
            bytemuck::bytes_of_mut(&mut file),
        );
        file
    }

    /// Stores `file` at `f`.
    pub fn put_file(&mut self, f: FileRef, file: &File) {
        self.dev
            .write(f.block, f.offset as usize, bytemuck::bytes_of(file));
    }

    // --- a file's blocks -------------------------------------------------

    /// Where file block `filebno`'s number lives; with `alloc`, the
    /// indirect block is created if needed (the caller stores `file`).
    fn block_walk(
        &mut self,
        file: &mut File,
        filebno: u32,
        alloc: bool,
    ) -> Result<Option<Slot>, i32> {
        let i = filebno as usize;
        if i < NDIRECT {
            return Ok(Some(Slot::Direct(i)));
        }
        if i >= NDIRECT + NINDIRECT {
            return Err(-E_INVAL);
        }
        if file.f_indirect == 0 {
            if !alloc {
                return Ok(None);
            }
            file.f_indirect = self.alloc_block()?;
        }
        let ind = self.check_data_block(file.f_indirect)?;
        Ok(Some(Slot::Indirect(ind, i - NDIRECT)))
    }

    fn slot_get(&mut self, file: &File, slot: &Slot) -> u32 {
        match *slot {
            Slot::Direct(i) => file.f_direct[i],
            Slot::Indirect(ind, i) => read_u32(&mut self.dev, ind, i * 4),
        }
    }

    fn slot_set(&mut self, file: &mut File, slot: &Slot, b: u32) {
        match *slot {
            Slot::Direct(i) => file.f_direct[i] = b,
            Slot::Indirect(ind, i) => write_u32(&mut self.dev, ind, i * 4, b),
        }
    }

    /// The disk block holding file block `filebno` of `f`, or None for a
    /// hole. Nothing is allocated.
    pub fn file_map_block(&mut self, f: FileRef, filebno: u32) -> Result<Option<u32>, i32> {
        let mut file = self.get_file(f);
        let Some(slot) = self.block_walk(&mut file, filebno, false)? else {
            return Ok(None);
        };
        match self.slot_get(&file, &slot) {
            0 => Ok(None),
            b => self.check_data_block(b).map(Some),
        }
    }

    /// The disk block holding file block `filebno` of `f`, allocated (and
    /// zeroed) if it was a hole.
    pub fn file_get_block(&mut self, f: FileRef, filebno: u32) -> Result<u32, i32> {
        let mut file = self.get_file(f);
        let had_indirect = file.f_indirect;
        let slot = self
            .block_walk(&mut file, filebno, true)?
            .expect("block_walk with alloc gives a slot");
        let b = match self.slot_get(&file, &slot) {
            0 => match self.alloc_block() {
                Ok(b) => {
                    self.slot_set(&mut file, &slot, b);
                    b
                }
                Err(e) => {
                    // Give back an indirect block allocated for nothing.
                    if had_indirect == 0 && file.f_indirect != 0 {
                        self.free_block(file.f_indirect);
                    }
                    return Err(e);
                }
            },
            b => self.check_data_block(b)?,
        };
        self.put_file(f, &file);
        Ok(b)
    }

    // --- directories -----------------------------------------------------

    /// The entry named `name` in directory `dir`. Err(-E_NOT_FOUND).
    pub fn dir_lookup(&mut self, dir: FileRef, name: &[u8]) -> Result<FileRef, i32> {
        let d = self.get_file(dir);
        if d.f_type != FTYPE_DIR || name.is_empty() || name.len() >= MAXNAMELEN {
            return Err(-E_NOT_FOUND);
        }
        for i in 0..size_blocks(d.f_size.max(0) as u32) {
            let Some(b) = self.file_map_block(dir, i)? else {
                continue;
            };
            for j in 0..BLKFILES {
                let mut entry = [0u8; MAXNAMELEN];
                let off = j * core::mem::size_of::<File>();
                self.dev.read(b, off, &mut entry[..name.len() + 1]);
                if &entry[..name.len()] == name && entry[name.len()] == 0 {
                    return Ok(FileRef {
                        block: b,
                        offset: off as u32,
                    });
                }
            }
        }
        Err(-E_NOT_FOUND)
    }

    /// A free entry in directory `dir`, growing it by a block if full.
    fn dir_alloc_file(&mut self, dir: FileRef) -> Result<FileRef, i32> {
        let mut d = self.get_file(dir);
        let nblock = size_blocks(d.f_size.max(0) as u32);
        for i in 0..nblock {
            let b = self.file_get_block(dir, i)?;
            for j in 0..BLKFILES {
                let off = j * core::mem::size_of::<File>();
                let mut first = [0u8; 1];
                self.dev.read(b, off, &mut first);
                if first[0] == 0 {
                    return Ok(FileRef {
                        block: b,
                        offset: off as u32,
                    });
                }
            }
        }
        let b = self.file_get_block(dir, nblock)?;
        d = self.get_file(dir);
        d.f_size = ((nblock + 1) as usize * BLKSIZE) as i32;
        self.put_file(dir, &d);
        Ok(FileRef {
            block: b,
            offset: 0,
        })
    }

    /// Whether directory `dir` has any entry.
    fn dir_is_empty(&mut self, dir: FileRef) -> Result<bool, i32> {
        let d = self.get_file(dir);
        for i in 0..size_blocks(d.f_size.max(0) as u32) {
            let Some(b) = self.file_map_block(dir, i)? else {
                continue;
            };
            for j in 0..BLKFILES {
                let mut first = [0u8; 1];
                self.dev
                    .read(b, j * core::mem::size_of::<File>(), &mut first);
                if first[0] != 0 {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// Walks `path` (up to its first NUL) from the root. Missing only the
    /// last element is not an error: `file` is None and `dir`/`last` say
    /// where it would go. Err(-E_NOT_FOUND) for a missing directory,
    /// Err(-E_BAD_PATH) for an element of MAXNAMELEN bytes or more.
    pub fn walk_path<'a>(&mut self, path: &'a [u8]) -> Result<Walk<'a>, i32> {
        let path = &path[..path.iter().position(|&c| c == 0).unwrap_or(path.len())];
        let mut rest = skip_slashes(path);
        let mut dir = ROOT;
        let mut file = ROOT;
        let mut last: &[u8] = &[];
        while !rest.is_empty() {
            let len = rest.iter().position(|&c| c == b'/').unwrap_or(rest.len());
            let elem = &rest[..len];
            if elem.len() >= MAXNAMELEN {
                return Err(-E_BAD_PATH);
            }
            rest = skip_slashes(&rest[len..]);
            if self.get_file(file).f_type != FTYPE_DIR {
                return Err(-E_NOT_FOUND);
            }
            dir = file;
            last = elem;
            match self.dir_lookup(dir, elem) {
                Ok(f) => file = f,
                Err(e) if e == -E_NOT_FOUND && rest.is_empty() => {
                    return Ok(Walk {
                        dir,
                        file: None,
                        last,
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Walk {
            dir,
            file: Some(file),
            last,
        })
    }

    // --- files -----------------------------------------------------------

    /// The file at `path`. Err(-E_NOT_FOUND), Err(-E_BAD_PATH).
    pub fn file_open(&mut self, path: &[u8]) -> Result<FileRef, i32> {
        self.walk_path(path)?.file.ok_or(-E_NOT_FOUND)
    }

    /// Creates an empty file (or directory, `f_type` FTYPE_DIR) at `path`.
    /// Err(-E_FILE_EXISTS), Err(-E_NOT_FOUND) if the directory is missing.
    pub fn file_create(&mut self, path: &[u8], f_type: u32) -> Result<FileRef, i32> {
        let walk = self.walk_path(path)?;
        if walk.file.is_some() {
            return Err(-E_FILE_EXISTS);
        }
        let (dir, name) = (walk.dir, walk.last);
        let f = self.dir_alloc_file(dir)?;
        let mut file = File::zeroed();
        file.f_name[..name.len()].copy_from_slice(name);
        file.f_type = f_type;
        self.put_file(f, &file);
        Ok(f)
    }

    /// Reads up to `out.len()` bytes at `offset`; holes read as zeros.
    /// Returns the count (0 at or past the end).
    pub fn file_read(&mut self, f: FileRef, out: &mut [u8], offset: u32) -> Result<usize, i32> {
        let size = self.get_file(f).f_size.max(0) as u32;
        if offset >= size {
            return Ok(0);
        }
        let count = out.len().min((size - offset) as usize);
        let mut done = 0;
        while done < count {
            let pos = offset as usize + done;
            let in_blk = pos % BLKSIZE;
            let n = (BLKSIZE - in_blk).min(count - done);
            let chunk = &mut out[done..done + n];
            match self.file_map_block(f, (pos / BLKSIZE) as u32)? {
                Some(b) => self.dev.read(b, in_blk, chunk),
                None => chunk.fill(0),
            }
            done += n;
        }
        Ok(count)
    }

    /// Writes `data` at `offset`, growing the file as needed. Stops short
    /// at MAXFILESIZE or when the disk fills; Err only if nothing was
    /// written (-E_INVAL past the largest file, -E_NO_DISK).
    pub fn file_write(&mut self, f: FileRef, data: &[u8], offset: u32) -> Result<usize, i32> {
        if data.is_empty() {
            return Ok(0);
        }
        let room = MAXFILESIZE.saturating_sub(offset as usize);
        if room == 0 {
            return Err(-E_INVAL);
        }
        let count = data.len().min(room);
        let mut done = 0;
        while done < count {
            let pos = offset as usize + done;
            let in_blk = pos % BLKSIZE;
            let n = (BLKSIZE - in_blk).min(count - done);
            let b = match self.file_get_block(f, (pos / BLKSIZE) as u32) {
                Ok(b) => b,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            };
            self.dev.write(b, in_blk, &data[done..done + n]);
            done += n;
            let mut file = self.get_file(f);
            if (file.f_size.max(0) as usize) < pos + n {
                file.f_size = (pos + n) as i32;
                self.put_file(f, &file);
            }
        }
        Ok(done)
    }

    /// Sets the size of `f`: blocks past the new end are freed (and the
    /// indirect block once no longer needed), the rest of the last block is
    /// zeroed; growing leaves a hole. Err(-E_INVAL) past MAXFILESIZE.
    pub fn file_set_size(&mut self, f: FileRef, newsize: u32) -> Result<(), i32> {
        if newsize as usize > MAXFILESIZE {
            return Err(-E_INVAL);
        }
        let mut file = self.get_file(f);
        let oldsize = file.f_size.max(0) as u32;
        if newsize < oldsize {
            let keep = size_blocks(newsize);
            for bno in keep..size_blocks(oldsize) {
                if let Some(slot) = self.block_walk(&mut file, bno, false)? {
                    let b = self.slot_get(&file, &slot);
                    if b != 0 {
                        self.free_block(b);
                        self.slot_set(&mut file, &slot, 0);
                    }
                }
            }
            if keep as usize <= NDIRECT && file.f_indirect != 0 {
                self.free_block(file.f_indirect);
                file.f_indirect = 0;
            }
            self.put_file(f, &file);
            let tail = newsize as usize % BLKSIZE;
            if tail != 0 {
                if let Some(b) = self.file_map_block(f, keep - 1)? {
                    let zeros = [0u8; 256];
                    let mut off = tail;
                    while off < BLKSIZE {
                        let n = (BLKSIZE - off).min(zeros.len());
                        self.dev.write(b, off, &zeros[..n]);
                        off += n;
                    }
                }
            }
        }
        let mut file = self.get_file(f);
        file.f_size = newsize as i32;
        self.put_file(f, &file);
        Ok(())
    }

    /// Writes `f`'s blocks, its indirect block and its record to disk.
    pub fn file_flush(&mut self, f: FileRef) -> Result<(), i32> {
        let file = self.get_file(f);
        for bno in 0..size_blocks(file.f_size.max(0) as u32) {
            if let Some(b) = self.file_map_block(f, bno)? {
                self.dev.flush(b);
            }
        }
        if file.f_indirect != 0 {
            self.dev.flush(self.check_data_block(file.f_indirect)?);
        }
        self.dev.flush(f.block);
        Ok(())
    }

    /// Removes the file at `path`: its blocks are freed, its entry cleared.
    /// The root and non-empty directories are refused with -E_INVAL.
    pub fn file_remove(&mut self, path: &[u8]) -> Result<FileRef, i32> {
        let f = self.file_open(path)?;
        if f == ROOT {
            return Err(-E_INVAL);
        }
        if self.get_file(f).f_type == FTYPE_DIR && !self.dir_is_empty(f)? {
            return Err(-E_INVAL);
        }
        self.file_set_size(f, 0)?;
        self.put_file(f, &File::zeroed());
        self.dev.flush(f.block);
        Ok(f)
    }

    /// Writes every changed block to disk.
    pub fn sync(&mut self) {
        self.dev.sync();
    }
}

fn skip_slashes(p: &[u8]) -> &[u8] {
    let n = p.iter().take_while(|&&c| c == b'/').count();
    &p[n..]
}

/// The little-endian word at byte `off` of block `b`.
pub fn read_u32<D: BlockDev>(dev: &mut D, b: u32, off: usize) -> u32 {
    let mut w = [0u8; 4];
    dev.read(b, off, &mut w);
    u32::from_le_bytes(w)
}

pub fn write_u32<D: BlockDev>(dev: &mut D, b: u32, off: usize, v: u32) {
    dev.write(b, off, &v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsck::fsck;
    use crate::image::{add_file, mkfs, MemDisk};

    fn free_count(fs: &mut Fs<MemDisk>) -> usize {
        (0..fs.nblocks()).filter(|&b| fs.block_is_free(b)).count()
    }

    fn sound(fs: &Fs<MemDisk>) {
        let problems = fsck(fs.dev.bytes.clone());
        assert!(problems.is_empty(), "fsck: {problems:?}");
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn fresh_image_is_sound_and_mostly_free() {
        let mut fs = mkfs(1024);
        assert_eq!(fs.first_data_block(), 3);
        assert_eq!(free_count(&mut fs), 1024 - 3);
        assert!(!fs.block_is_free(0) && !fs.block_is_free(1) && !fs.block_is_free(2));
        sound(&fs);
    }

    #[test]
    fn mount_refuses_bad_superblocks() {
        let fs = mkfs(64);
        let mut bytes = fs.dev.bytes.clone();
        bytes[BLKSIZE] ^= 1; // magic
        assert_eq!(Fs::mount(MemDisk::new(bytes), 64).err(), Some(-E_INVAL));
        // More blocks than the disk holds.
        assert_eq!(
            Fs::mount(MemDisk::new(fs.dev.bytes.clone()), 63).err(),
            Some(-E_INVAL)
        );
    }

    #[test]
    fn alloc_block_takes_a_free_zeroed_block() {
        let mut fs = mkfs(64);
        fs.dev.write(10, 0, &[0xAA; 16]);
        let before = free_count(&mut fs);
        let b = fs.alloc_block().unwrap();
        assert!(b >= fs.first_data_block());
        assert!(!fs.block_is_free(b));
        assert_eq!(free_count(&mut fs), before - 1);
        fs.free_block(b);
        assert!(fs.block_is_free(b));
        // Blocks handed out are zeroed, whatever they held.
        let mut got = Vec::new();
        for _ in 0..20 {
            got.push(fs.alloc_block().unwrap());
        }
        assert!(got.contains(&10));
        assert_eq!(read_u32(&mut fs.dev, 10, 0), 0);
    }

    #[test]
    fn full_disk_is_no_disk() {
        let mut fs = mkfs(40);
        let n = free_count(&mut fs);
        for _ in 0..n {
            fs.alloc_block().unwrap();
        }
        assert_eq!(fs.alloc_block(), Err(-E_NO_DISK));
    }

    #[test]
    fn write_and_read_back_with_indirect_blocks() {
        let mut fs = mkfs(1024);
        let f = fs.file_create(b"/big", FTYPE_REG).unwrap();
        let data = pattern(25 * BLKSIZE + 123, 7);
        assert_eq!(fs.file_write(f, &data, 0), Ok(data.len()));
        let file = fs.get_file(f);
        assert_eq!(file.f_size as usize, data.len());
        assert_ne!(file.f_indirect, 0);
        let mut back = vec![0; data.len() + 100];
        assert_eq!(fs.file_read(f, &mut back, 0), Ok(data.len()));
        assert_eq!(&back[..data.len()], &data[..]);
        // A read in the middle, across a block boundary.
        let mut mid = vec![0; 5000];
        assert_eq!(fs.file_read(f, &mut mid, 4000), Ok(5000));
        assert_eq!(&mid[..], &data[4000..9000]);
        assert_eq!(fs.file_read(f, &mut mid, data.len() as u32), Ok(0));
        assert_eq!(fs.file_open(b"big"), Ok(f));
        sound(&fs);
    }

    #[test]
    fn truncate_frees_blocks_and_zeroes_the_tail() {
        let mut fs = mkfs(1024);
        let before = free_count(&mut fs);
        let f = fs.file_create(b"/t", FTYPE_REG).unwrap();
        fs.file_write(f, &pattern(20 * BLKSIZE, 1), 0).unwrap();
        assert_eq!(free_count(&mut fs), before - 21 - 1); // data, indirect, root dir block
        fs.file_set_size(f, 100).unwrap();
        assert_eq!(fs.get_file(f).f_indirect, 0);
        assert_eq!(free_count(&mut fs), before - 1 - 1);
        sound(&fs);
        fs.file_set_size(f, 200).unwrap();
        let mut back = [0xFFu8; 200];
        fs.file_read(f, &mut back, 0).unwrap();
        assert_eq!(&back[..100], &pattern(100, 1)[..]);
        assert!(back[100..].iter().all(|&b| b == 0));
        fs.file_set_size(f, 0).unwrap();
        assert_eq!(fs.get_file(f).f_direct[0], 0);
        sound(&fs);
    }

    #[test]
    fn holes_read_as_zeros_and_stay_holes() {
        let mut fs = mkfs(256);
        let f = fs.file_create(b"/h", FTYPE_REG).unwrap();
        fs.file_set_size(f, 3 * BLKSIZE as u32).unwrap();
        let before = free_count(&mut fs);
        let mut back = vec![0xFF; 3 * BLKSIZE];
        assert_eq!(fs.file_read(f, &mut back, 0), Ok(3 * BLKSIZE));
        assert!(back.iter().all(|&b| b == 0));
        assert_eq!(free_count(&mut fs), before);
        sound(&fs);
    }

    #[test]
    fn largest_file_and_past_it() {
        let mut fs = mkfs(2048);
        let f = fs.file_create(b"/max", FTYPE_REG).unwrap();
        assert_eq!(fs.file_set_size(f, MAXFILESIZE as u32 + 1), Err(-E_INVAL));
        assert_eq!(fs.file_write(f, b"x", MAXFILESIZE as u32), Err(-E_INVAL));
        // A write that straddles the limit is cut short there.
        assert_eq!(fs.file_write(f, b"abcd", MAXFILESIZE as u32 - 2), Ok(2));
        assert_eq!(fs.get_file(f).f_size as usize, MAXFILESIZE);
        sound(&fs);
    }

    #[test]
    fn disk_full_write_is_short_and_consistent() {
        let mut fs = mkfs(64);
        let f = fs.file_create(b"/fill", FTYPE_REG).unwrap();
        let data = pattern(100 * BLKSIZE, 3);
        let n = fs.file_write(f, &data, 0).unwrap();
        assert!(n > 0 && n < data.len());
        assert_eq!(fs.get_file(f).f_size as usize, n);
        assert_eq!(fs.file_write(f, &data, n as u32), Err(-E_NO_DISK));
        let g = fs.file_create(b"/more", FTYPE_REG);
        // Creating may still fit in the root's block; writing cannot.
        if let Ok(g) = g {
            assert_eq!(fs.file_write(g, b"x", 0), Err(-E_NO_DISK));
        }
        sound(&fs);
        let mut back = vec![0; n];
        fs.file_read(f, &mut back, 0).unwrap();
        assert_eq!(back, data[..n]);
    }

    #[test]
    fn paths_and_directories() {
        let mut fs = mkfs(512);
        let d = fs.file_create(b"/dir", FTYPE_DIR).unwrap();
        let f = fs.file_create(b"/dir/file", FTYPE_REG).unwrap();
        assert_eq!(fs.file_open(b"//dir//file"), Ok(f));
        assert_eq!(fs.file_open(b"/dir"), Ok(d));
        assert_eq!(fs.file_open(b"/"), Ok(ROOT));
        assert_eq!(fs.file_open(b"/dir/nope"), Err(-E_NOT_FOUND));
        assert_eq!(fs.file_open(b"/nope/file"), Err(-E_NOT_FOUND));
        assert_eq!(fs.file_open(b"/dir/file/x"), Err(-E_NOT_FOUND));
        assert_eq!(fs.file_create(b"/dir/file", FTYPE_REG), Err(-E_FILE_EXISTS));
        assert_eq!(fs.file_create(b"/nope/file", FTYPE_REG), Err(-E_NOT_FOUND));
        let long = [b'a'; MAXNAMELEN];
        let mut path = b"/".to_vec();
        path.extend_from_slice(&long);
        assert_eq!(fs.file_open(&path), Err(-E_BAD_PATH));
        // The path ends at its NUL.
        assert_eq!(fs.file_open(b"/dir\0/file"), Ok(d));
        let w = fs.walk_path(b"/dir/new").unwrap();
        assert_eq!((w.dir, w.file, w.last), (d, None, &b"new"[..]));
        sound(&fs);
    }

    #[test]
    fn directories_grow_past_one_block() {
        let mut fs = mkfs(512);
        let mut files = Vec::new();
        for i in 0..40 {
            let name = format!("/f{i}");
            files.push(fs.file_create(name.as_bytes(), FTYPE_REG).unwrap());
        }
        assert_eq!(fs.get_file(ROOT).f_size as usize, 3 * BLKSIZE);
        for (i, f) in files.iter().enumerate() {
            assert_eq!(fs.file_open(format!("/f{i}").as_bytes()), Ok(*f));
        }
        sound(&fs);
    }

    #[test]
    fn remove_frees_and_refuses_root_and_full_directories() {
        let mut fs = mkfs(512);
        let before = free_count(&mut fs);
        add_file(&mut fs, "a", &pattern(15 * BLKSIZE, 9)).unwrap();
        fs.file_create(b"/d", FTYPE_DIR).unwrap();
        fs.file_create(b"/d/x", FTYPE_REG).unwrap();
        assert_eq!(fs.file_remove(b"/"), Err(-E_INVAL));
        assert_eq!(fs.file_remove(b"/d"), Err(-E_INVAL));
        assert!(fs.file_remove(b"/a").is_ok());
        assert_eq!(fs.file_open(b"/a"), Err(-E_NOT_FOUND));
        assert!(fs.file_remove(b"/d/x").is_ok());
        assert!(fs.file_remove(b"/d").is_ok());
        assert_eq!(fs.file_remove(b"/a"), Err(-E_NOT_FOUND));
        // Only the root directory's block stays taken.
        assert_eq!(free_count(&mut fs), before - 1);
        sound(&fs);
        // The freed entry is reused.
        let again = fs.file_create(b"/b", FTYPE_REG).unwrap();
        assert_eq!(again.offset, 0);
    }

    #[test]
    fn corrupt_pointers_are_refused_not_followed() {
        let mut fs = mkfs(64);
        let f = fs.file_create(b"/c", FTYPE_REG).unwrap();
        fs.file_write(f, b"hello", 0).unwrap();
        let mut file = fs.get_file(f);
        file.f_direct[0] = 1_000_000;
        fs.put_file(f, &file);
        let mut back = [0u8; 5];
        assert_eq!(fs.file_read(f, &mut back, 0), Err(-E_INVAL));
        assert_eq!(fs.file_write(f, b"x", 0), Err(-E_INVAL));
    }
}
