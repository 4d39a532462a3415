//! The RJOS file system (lab 5), as a library.
//!
//! `fs` is the on-disk logic over a block-device trait, `clock` the block
//! cache's eviction policy and `swap` the swap store's slot table: pure, so
//! they build for the host and are tested there, and the FS env (`main.rs`)
//! uses them over its block cache and disks.
//! On the host, `image` (an image in memory, `mkfs`) and `fsck` serve the
//! tools in `tools/fstools`.
#![cfg_attr(target_os = "none", no_std)]

pub mod clock;
pub mod fs;
pub mod swap;

#[cfg(not(target_os = "none"))]
pub mod fsck;
#[cfg(not(target_os = "none"))]
pub mod image;
