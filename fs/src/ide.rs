//! A polling (PIO) driver for IDE disks in 28-bit LBA mode: the file
//! system's (the primary channel's second drive, QEMU's index=1) and the
//! swap disk (the secondary channel's first drive, QEMU's index=2).
//!
//! The FS env runs with IOPL 3, so `in`/`out` work here in user space; in
//! any other env they raise #GP. Every wait for the drive is bounded: a
//! missing or failing drive is reported as an error, never waited on forever.

use core::arch::asm;
use inc::error::E_NO_DISK;
use inc::fs::SECTSIZE;

/// A drive: its channel's first port and whether it is the slave.
#[derive(Clone, Copy)]
pub struct Drive {
    base: u16,
    slave: u8,
}

/// The file system's disk.
pub const FS_DISK: Drive = Drive {
    base: 0x1F0,
    slave: 1,
};
/// The swap disk.
pub const SWAP_DISK: Drive = Drive {
    base: 0x170,
    slave: 0,
};

// Register offsets from the channel's base port.
const DATA: u16 = 0;
const SECTOR_COUNT: u16 = 2;
const LBA_LOW: u16 = 3;
const LBA_MID: u16 = 4;
const LBA_HIGH: u16 = 5;
const DRIVE_HEAD: u16 = 6;
const STATUS_COMMAND: u16 = 7;

const BSY: u8 = 0x80;
const DRDY: u8 = 0x40;
const DF: u8 = 0x20;
const ERR: u8 = 0x01;

const DRQ: u8 = 0x08;

const CMD_READ: u8 = 0x20;
const CMD_WRITE: u8 = 0x30;
const CMD_IDENTIFY: u8 = 0xEC;

/// How long we wait for the drive before giving up. QEMU finishes a
/// command in its own I/O thread, which a loaded host may starve for a
/// while, so the bound is in time, not in polls.
const TIMEOUT_MS: u32 = 10_000;
/// Polls between looks at the clock, and an upper bound in case the clock
/// does not tick.
const POLLS_PER_CHECK: u32 = 256;
const MAX_POLLS: u32 = 200_000_000;

fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: port I/O on the IDE registers; the FS env has IOPL 3.
    unsafe { asm!("in al, dx", out("al") v, in("dx") port, options(nomem, nostack)) };
    v
}

fn outb(port: u16, v: u8) {
    // SAFETY: as for `inb`.
    unsafe { asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack)) };
}

impl Drive {
    fn port(&self, reg: u16) -> u16 {
        self.base + reg
    }

    /// Reads one sector from the data port into `dst`.
    fn insl_sector(&self, dst: &mut [u8]) {
        assert_eq!(dst.len(), SECTSIZE);
        // SAFETY: `rep insd` stores SECTSIZE/4 dwords at edi, inside `dst`.
        unsafe {
            asm!("rep insd", inout("edi") dst.as_mut_ptr() => _,
                 inout("ecx") SECTSIZE / 4 => _, in("dx") self.port(DATA), options(nostack))
        };
    }

    /// Writes one sector from `src` to the data port.
    fn outsl_sector(&self, src: &[u8]) {
        assert_eq!(src.len(), SECTSIZE);
        // SAFETY: `rep outsd` reads SECTSIZE/4 dwords at esi, inside `src`.
        // The compiler reserves esi on i686, so it is saved around the op.
        unsafe {
            asm!("push esi", "mov esi, {src}", "rep outsd", "pop esi",
                 src = in(reg) src.as_ptr(), inout("ecx") SECTSIZE / 4 => _,
                 in("dx") self.port(DATA), options(readonly))
        };
    }

    /// Waits until the drive is ready; Err(-E_NO_DISK) on a drive error or
    /// when it stays busy.
    fn wait_ready(&self) -> Result<(), i32> {
        let start = jos::sys_time_msec();
        for i in 0..MAX_POLLS {
            if i % POLLS_PER_CHECK == POLLS_PER_CHECK - 1
                && jos::sys_time_msec().wrapping_sub(start) > TIMEOUT_MS
            {
                break;
            }
            let s = inb(self.port(STATUS_COMMAND));
            if s & BSY == 0 && s & (DF | ERR) != 0 {
                jos::cprintf!("ide: drive error, status %02x\n", s as u32);
                return Err(-E_NO_DISK);
            }
            if s & (BSY | DRDY) == DRDY {
                return Ok(());
            }
        }
        jos::cprintf!("ide: the drive stayed busy for %d ms\n", TIMEOUT_MS);
        Err(-E_NO_DISK)
    }

    fn select(&self, lba_top: u8) {
        outb(
            self.port(DRIVE_HEAD),
            0xE0 | (self.slave << 4) | (lba_top & 0x0F),
        );
    }

    /// Whether the drive answers: selects it and waits (bounded) for a
    /// status that is neither busy nor failing. Leaves it selected.
    pub fn probe(&self) -> bool {
        if self.wait_ready().is_err() {
            return false;
        }
        self.select(0);
        self.answers()
    }

    /// Whether the selected drive soon shows a ready ATA disk's status. A
    /// missing drive floats to 0xFF; a CD-ROM drive never sets DRDY.
    fn answers(&self) -> bool {
        (0..1000).any(|_| {
            let s = inb(self.port(STATUS_COMMAND));
            s != 0xFF && s & (BSY | DF | ERR) == 0 && s & DRDY != 0
        })
    }

    /// The drive's size in sectors (ATA IDENTIFY, words 60-61), or None if
    /// it is not an ATA disk (a CD-ROM drive aborts the command).
    pub fn sectors(&self) -> Option<u32> {
        // No long wait here: most machines have no swap disk.
        self.select(0);
        if !self.answers() {
            return None;
        }
        outb(self.port(STATUS_COMMAND), CMD_IDENTIFY);
        let status = (0..100_000)
            .map(|_| inb(self.port(STATUS_COMMAND)))
            .find(|s| s & BSY == 0)?;
        if status & (ERR | DF) != 0 || status & DRQ == 0 {
            return None;
        }
        let mut id = [0u8; SECTSIZE];
        self.insl_sector(&mut id);
        let word = |w: usize| u16::from_le_bytes([id[2 * w], id[2 * w + 1]]) as u32;
        Some(word(60) | word(61) << 16)
    }

    /// Programs the drive for `nsecs` sectors from `secno` with `cmd`.
    fn start(&self, secno: u32, nsecs: usize, cmd: u8) -> Result<(), i32> {
        assert!((1..=255).contains(&nsecs) && secno < 1 << 28);
        self.wait_ready()?;
        outb(self.port(SECTOR_COUNT), nsecs as u8);
        outb(self.port(LBA_LOW), secno as u8);
        outb(self.port(LBA_MID), (secno >> 8) as u8);
        outb(self.port(LBA_HIGH), (secno >> 16) as u8);
        self.select((secno >> 24) as u8);
        outb(self.port(STATUS_COMMAND), cmd);
        Ok(())
    }

    /// Reads sectors `secno..` into `dst` (a whole number of sectors).
    pub fn read(&self, secno: u32, dst: &mut [u8]) -> Result<(), i32> {
        self.start(secno, dst.len() / SECTSIZE, CMD_READ)?;
        for sector in dst.chunks_exact_mut(SECTSIZE) {
            self.wait_ready()?;
            self.insl_sector(sector);
        }
        Ok(())
    }

    /// Writes `src` (a whole number of sectors) to sectors `secno..`.
    pub fn write(&self, secno: u32, src: &[u8]) -> Result<(), i32> {
        self.start(secno, src.len() / SECTSIZE, CMD_WRITE)?;
        for sector in src.chunks_exact(SECTSIZE) {
            self.wait_ready()?;
            self.outsl_sector(sector);
        }
        // The drive is busy until the last sector is on the disk.
        self.wait_ready()
    }
}

/// Reads sectors `secno..` of the file-system disk into `dst`.
pub fn ide_read(secno: u32, dst: &mut [u8]) -> Result<(), i32> {
    FS_DISK.read(secno, dst)
}

/// Writes `src` to sectors `secno..` of the file-system disk.
pub fn ide_write(secno: u32, src: &[u8]) -> Result<(), i32> {
    FS_DISK.write(secno, src)
}
