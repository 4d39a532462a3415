//! The FS env's self-checks at start-up, JOS's lines in JOS's order. Each
//! check puts back what it changed, so the disk is the same afterwards
//! (and passes fsck).

use crate::bc::{self, Disk};
use fs::fs::{BlockDev, Fs, BITMAP_START};
use inc::error::E_NOT_FOUND;
use inc::fs::*;
use jos::{cprintf, panic};

/// The contents of /newmotd, as fsformat put it on the disk.
const NEWMOTD: &[u8] = include_bytes!("../newmotd");

fn check(ok: bool, what: &str) {
    if !ok {
        panic!("FS self-check failed: %s", what);
    }
}

/// The cache writes back, forgets and reloads a block (the superblock).
pub fn check_bc() {
    let mut d = Disk;
    let mut backup = [0u8; 8];
    d.read(1, 0, &mut backup);
    d.write(1, 0, b"OOPS!\n\0\0");
    check(bc::is_dirty(1), "a written block is dirty");
    bc::flush_block(1);
    check(
        bc::is_mapped(1) && !bc::is_dirty(1),
        "a flushed block is clean",
    );
    bc::evict(1);
    check(!bc::is_mapped(1), "an evicted block is unmapped");
    let mut back = [0u8; 8];
    d.read(1, 0, &mut back);
    check(
        &back == b"OOPS!\n\0\0",
        "a reloaded block holds what was flushed",
    );
    d.write(1, 0, &backup);
    bc::flush_block(1);
    cprintf!("block cache is good\n");
}

pub fn check_super(fs: &mut Fs<Disk>) {
    check(
        fs.nblocks() <= DISKSIZE / BLKSIZE as u32,
        "disk fits DISKMAP",
    );
    check(
        fs.get_file(fs::fs::ROOT).f_type == FTYPE_DIR,
        "root is a directory",
    );
    cprintf!("superblock is good\n");
}

pub fn check_bitmap(fs: &mut Fs<Disk>) {
    for b in 0..BITMAP_START + fs::fs::bitmap_blocks(fs.nblocks()) {
        check(!fs.block_is_free(b), "reserved blocks are in use");
    }
    cprintf!("bitmap is good\n");
}

/// JOS's fs_test: allocation, open, block lookup, flush, truncate, rewrite.
pub fn fs_test(fs: &mut Fs<Disk>) {
    let b = fs
        .alloc_block()
        .unwrap_or_else(|e| panic!("alloc_block: %e", e));
    check(!fs.block_is_free(b), "an allocated block is in use");
    fs.free_block(b);
    check(fs.block_is_free(b), "a freed block is free");
    cprintf!("alloc_block is good\n");

    check(
        fs.file_open(b"/not-found") == Err(-E_NOT_FOUND),
        "file_open of a missing file",
    );
    let f = fs
        .file_open(b"/newmotd")
        .unwrap_or_else(|e| panic!("file_open /newmotd: %e", e));
    cprintf!("file_open is good\n");

    let blk = fs
        .file_get_block(f, 0)
        .unwrap_or_else(|e| panic!("file_get_block: %e", e));
    let mut head = [0u8; 64];
    let n = NEWMOTD.len().min(head.len());
    fs.dev.read(blk, 0, &mut head[..n]);
    check(
        head[..n] == NEWMOTD[..n],
        "block 0 of /newmotd holds its text",
    );
    cprintf!("file_get_block is good\n");

    fs.dev.write(blk, 0, b"\0");
    check(bc::is_dirty(blk), "a written file block is dirty");
    fs.file_flush(f)
        .unwrap_or_else(|e| panic!("file_flush: %e", e));
    check(!bc::is_dirty(blk), "a flushed file block is clean");
    cprintf!("file_flush is good\n");

    fs.file_set_size(f, 0)
        .unwrap_or_else(|e| panic!("file_set_size: %e", e));
    check(fs.get_file(f).f_direct[0] == 0, "truncation frees block 0");
    check(
        fs.block_is_free(blk),
        "the freed block is free in the bitmap",
    );
    cprintf!("file_truncate is good\n");

    let w = fs
        .file_write(f, NEWMOTD, 0)
        .unwrap_or_else(|e| panic!("file_write: %e", e));
    check(w == NEWMOTD.len(), "the whole text is written");
    fs.file_flush(f)
        .unwrap_or_else(|e| panic!("file_flush: %e", e));
    let blk = fs
        .file_map_block(f, 0)
        .unwrap_or_else(|e| panic!("file_map_block: %e", e))
        .unwrap_or(0);
    check(
        blk != 0 && !bc::is_dirty(blk),
        "the rewritten block is on disk",
    );
    let mut back = [0u8; 64];
    let r = fs.file_read(f, &mut back[..n], 0).unwrap_or(0);
    check(r == n && back[..n] == NEWMOTD[..n], "the text reads back");
    check(
        fs.get_file(f).f_size as usize == NEWMOTD.len(),
        "the size is the text's",
    );
    cprintf!("file rewrite is good\n");
}
