//! Checks a file-system image (host only): the superblock, every file
//! reachable from the root (names, types, sizes against the blocks they
//! hold), that no block belongs to two files, and that the bitmap marks in
//! use exactly the reserved blocks and the blocks reachable from the root.

use crate::fs::{bitmap_blocks, read_u32, size_blocks, BlockDev, BITMAP_START};
use crate::image::MemDisk;
use bytemuck::Zeroable;
use inc::fs::*;

struct Checker {
    disk: MemDisk,
    nblocks: u32,
    first_data: u32,
    /// Who holds each block (a path), once seen.
    owner: Vec<Option<String>>,
    problems: Vec<String>,
}

/// Every problem found in the image; empty if it is sound.
pub fn fsck(image: Vec<u8>) -> Vec<String> {
    let mut disk = MemDisk::new(image);
    let blocks = disk.blocks();
    if blocks < 3 {
        return vec![format!("image of {blocks} blocks holds no file system")];
    }
    let magic = read_u32(&mut disk, 1, 0);
    let nblocks = read_u32(&mut disk, 1, 4);
    if magic != FS_MAGIC {
        return vec![format!("superblock: bad magic {magic:#010x}")];
    }
    if nblocks > blocks || nblocks < BITMAP_START + bitmap_blocks(nblocks) + 1 {
        return vec![format!(
            "superblock: s_nblocks {nblocks} but the image has {blocks} blocks"
        )];
    }
    let mut c = Checker {
        disk,
        nblocks,
        first_data: BITMAP_START + bitmap_blocks(nblocks),
        owner: vec![None; nblocks as usize],
        problems: Vec::new(),
    };
    let mut root = File::zeroed();
    c.disk.read(1, 8, bytemuck::bytes_of_mut(&mut root));
    if root.f_type != FTYPE_DIR {
        c.problems
            .push(format!("root: type {} is not a directory", root.f_type));
    } else {
        c.check_file("/", &root);
    }
    c.check_bitmap();
    c.problems
}

impl Checker {
    fn is_free(&mut self, b: u32) -> bool {
        let blk = BITMAP_START + b / BLKBITSIZE as u32;
        let off = (b % BLKBITSIZE as u32) / 32 * 4;
        read_u32(&mut self.disk, blk, off as usize) & (1 << (b % 32)) != 0
    }

    /// Claims block `b` for `path`; false if it cannot be used.
    fn claim(&mut self, path: &str, what: &str, b: u32) -> bool {
        if b < self.first_data || b >= self.nblocks {
            self.problems.push(format!(
                "{path}: {what} is block {b}, outside the data blocks"
            ));
            return false;
        }
        if let Some(other) = &self.owner[b as usize] {
            self.problems.push(format!(
                "{path}: {what} is block {b}, already used by {other}"
            ));
            return false;
        }
        if self.is_free(b) {
            self.problems.push(format!(
                "{path}: {what} is block {b}, marked free in the bitmap"
            ));
        }
        self.owner[b as usize] = Some(path.to_string());
        true
    }

    /// Checks `file` at `path`: sizes, block pointers, and for a directory
    /// its entries, recursively.
    fn check_file(&mut self, path: &str, file: &File) {
        let size = file.f_size;
        if size < 0 || size as usize > MAXFILESIZE {
            self.problems
                .push(format!("{path}: size {size} out of range"));
            return;
        }
        if file.f_type != FTYPE_REG && file.f_type != FTYPE_DIR {
            self.problems
                .push(format!("{path}: unknown type {}", file.f_type));
            return;
        }
        let nblocks = size_blocks(size as u32) as usize;
        let mut blocks = vec![0u32; NDIRECT + NINDIRECT];
        blocks[..NDIRECT].copy_from_slice(&file.f_direct);
        if file.f_indirect != 0 {
            // JOS's fsformat gives a file of exactly NDIRECT blocks an
            // (empty) indirect block too, so only fewer is wrong.
            if nblocks < NDIRECT {
                self.problems.push(format!(
                    "{path}: indirect block {} but only {nblocks} blocks of data",
                    file.f_indirect
                ));
            }
            if self.claim(path, "the indirect block", file.f_indirect) {
                for i in 0..NINDIRECT {
                    blocks[NDIRECT + i] = read_u32(&mut self.disk, file.f_indirect, i * 4);
                }
            }
        }
        for (i, slot) in blocks.iter_mut().enumerate() {
            let b = *slot;
            if b == 0 {
                continue;
            }
            if i >= nblocks {
                self.problems.push(format!(
                    "{path}: block {i} is {b}, past its size of {size} bytes"
                ));
                continue;
            }
            if !self.claim(path, &format!("block {i}"), b) {
                *slot = 0;
            }
        }
        if file.f_type == FTYPE_DIR {
            if !(size as usize).is_multiple_of(BLKSIZE) {
                self.problems
                    .push(format!("{path}: directory size {size} is not whole blocks"));
            }
            self.check_dir(path, &blocks[..nblocks]);
        }
    }

    fn check_dir(&mut self, path: &str, blocks: &[u32]) {
        let mut names: Vec<Vec<u8>> = Vec::new();
        for &b in blocks.iter().filter(|&&b| b != 0) {
            for j in 0..BLKFILES {
                let mut entry = File::zeroed();
                self.disk.read(
                    b,
                    j * core::mem::size_of::<File>(),
                    bytemuck::bytes_of_mut(&mut entry),
                );
                if entry.f_name[0] == 0 {
                    continue;
                }
                let name = entry.name().to_vec();
                let shown = String::from_utf8_lossy(&name).into_owned();
                let child = format!("{}/{shown}", path.trim_end_matches('/'));
                if name.len() >= MAXNAMELEN {
                    self.problems
                        .push(format!("{path}: an entry's name has no NUL"));
                    continue;
                }
                if name.contains(&b'/') {
                    self.problems.push(format!("{child}: name contains '/'"));
                }
                if names.contains(&name) {
                    self.problems
                        .push(format!("{child}: two entries with this name"));
                }
                names.push(name);
                self.check_file(&child, &entry);
            }
        }
    }

    fn check_bitmap(&mut self) {
        for b in 0..self.first_data {
            if self.is_free(b) {
                self.problems
                    .push(format!("bitmap: reserved block {b} marked free"));
            }
        }
        for b in self.first_data..self.nblocks {
            if !self.is_free(b) && self.owner[b as usize].is_none() {
                self.problems
                    .push(format!("bitmap: block {b} marked in use but in no file"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fsck;
    use crate::fs::{write_u32, BlockDev, Fs, ROOT};
    use crate::image::{add_file, mkfs, MemDisk};
    use bytemuck::Zeroable;
    use inc::fs::*;

    /// An image with two files, one using an indirect block, and a directory.
    fn sample() -> Fs<MemDisk> {
        let mut fs = mkfs(256);
        add_file(&mut fs, "small", b"hello").unwrap();
        add_file(&mut fs, "big", &vec![7u8; 12 * BLKSIZE]).unwrap();
        fs.file_create(b"/dir", FTYPE_DIR).unwrap();
        add_file(&mut fs, "dir2", b"").unwrap();
        fs
    }

    fn problems_after(change: impl FnOnce(&mut Fs<MemDisk>)) -> Vec<String> {
        let mut fs = sample();
        change(&mut fs);
        fsck(fs.dev.bytes.clone())
    }

    fn expect(problems: &[String], needle: &str) {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "no problem mentioning {needle:?} in {problems:?}"
        );
    }

    #[test]
    fn sound_image_passes() {
        assert_eq!(problems_after(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn bad_magic() {
        expect(
            &problems_after(|fs| write_u32(&mut fs.dev, 1, 0, 0x1234)),
            "bad magic",
        );
    }

    #[test]
    fn nblocks_past_the_image() {
        expect(
            &problems_after(|fs| write_u32(&mut fs.dev, 1, 4, 10_000)),
            "s_nblocks",
        );
    }

    #[test]
    fn block_in_two_files() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/small").unwrap();
            let b = fs.file_open(b"/big").unwrap();
            let mut fb = fs.get_file(b);
            fb.f_direct[3] = fs.get_file(a).f_direct[0];
            fs.put_file(b, &fb);
        });
        expect(&p, "already used by");
    }

    #[test]
    fn used_block_marked_free() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/small").unwrap();
            let b = fs.get_file(a).f_direct[0];
            fs.free_block(b);
        });
        expect(&p, "marked free in the bitmap");
    }

    #[test]
    fn leaked_block() {
        let p = problems_after(|fs| {
            fs.alloc_block().unwrap();
        });
        expect(&p, "in no file");
    }

    #[test]
    fn reserved_block_marked_free() {
        let p = problems_after(|fs| {
            let w = crate::fs::read_u32(&mut fs.dev, 2, 0);
            write_u32(&mut fs.dev, 2, 0, w | 2);
        });
        expect(&p, "reserved block 1");
    }

    #[test]
    fn block_past_the_size() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/small").unwrap();
            let mut f = fs.get_file(a);
            f.f_size = 0;
            fs.put_file(a, &f);
        });
        expect(&p, "past its size");
    }

    #[test]
    fn size_out_of_range_and_bad_type() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/small").unwrap();
            let mut f = fs.get_file(a);
            f.f_size = -5;
            fs.put_file(a, &f);
            let b = fs.file_open(b"/dir2").unwrap();
            let mut f = fs.get_file(b);
            f.f_type = 9;
            fs.put_file(b, &f);
        });
        expect(&p, "size -5 out of range");
        expect(&p, "unknown type 9");
    }

    #[test]
    fn pointer_outside_the_disk() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/big").unwrap();
            let mut f = fs.get_file(a);
            f.f_direct[1] = 99_999;
            fs.put_file(a, &f);
        });
        expect(&p, "outside the data blocks");
    }

    #[test]
    fn indirect_block_on_a_small_file() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/small").unwrap();
            let b = fs.alloc_block().unwrap();
            let mut f = fs.get_file(a);
            f.f_indirect = b;
            fs.put_file(a, &f);
        });
        expect(&p, "indirect block");
    }

    #[test]
    fn duplicate_and_unterminated_names() {
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/dir2").unwrap();
            let mut f = fs.get_file(a);
            f.f_name[..6].copy_from_slice(b"small\0");
            fs.put_file(a, &f);
        });
        expect(&p, "two entries");
        let p = problems_after(|fs| {
            let a = fs.file_open(b"/dir2").unwrap();
            let mut f = fs.get_file(a);
            f.f_name = [b'x'; MAXNAMELEN];
            fs.put_file(a, &f);
        });
        expect(&p, "no NUL");
    }

    #[test]
    fn root_not_a_directory_and_ragged_directory() {
        let p = problems_after(|fs| {
            let mut root = fs.get_file(ROOT);
            root.f_type = FTYPE_REG;
            fs.put_file(ROOT, &root);
        });
        expect(&p, "root");
        let p = problems_after(|fs| {
            let mut root = fs.get_file(ROOT);
            root.f_size += 1;
            fs.put_file(ROOT, &root);
        });
        expect(&p, "not whole blocks");
    }

    #[test]
    fn empty_or_tiny_image() {
        expect(&fsck(vec![0; 100]), "holds no file system");
        let mut d = MemDisk::new(vec![0; 4 * BLKSIZE]);
        d.write(1, 0, bytemuck::bytes_of(&File::zeroed()));
        expect(&fsck(d.bytes), "bad magic");
    }
}
