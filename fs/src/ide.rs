//! A polling (PIO) driver for the IDE disk holding the file system: the
//! primary channel's second drive (slave), in 28-bit LBA mode.
//!
//! The FS env runs with IOPL 3, so `in`/`out` work here in user space; in
//! any other env they raise #GP. Every wait for the drive is bounded: a
//! missing or failing drive is reported as an error, never waited on forever.

use core::arch::asm;
use inc::error::E_NO_DISK;
use inc::fs::SECTSIZE;

const DATA: u16 = 0x1F0;
const SECTOR_COUNT: u16 = 0x1F2;
const LBA_LOW: u16 = 0x1F3;
const LBA_MID: u16 = 0x1F4;
const LBA_HIGH: u16 = 0x1F5;
const DRIVE_HEAD: u16 = 0x1F6;
const STATUS_COMMAND: u16 = 0x1F7;

const BSY: u8 = 0x80;
const DRDY: u8 = 0x40;
const DF: u8 = 0x20;
const ERR: u8 = 0x01;

const CMD_READ: u8 = 0x20;
const CMD_WRITE: u8 = 0x30;

/// How long we wait for the drive before giving up. QEMU finishes a
/// command in its own I/O thread, which a loaded host may starve for a
/// while, so the bound is in time, not in polls.
const TIMEOUT_MS: u32 = 10_000;
/// Polls between looks at the clock, and an upper bound in case the clock
/// does not tick.
const POLLS_PER_CHECK: u32 = 256;
const MAX_POLLS: u32 = 200_000_000;

/// The drive on the channel we use: 1 = slave, where QEMU's index=1 disk is.
const DISKNO: u8 = 1;

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

/// Reads one sector from the data port into `dst`.
fn insl_sector(dst: &mut [u8]) {
    assert_eq!(dst.len(), SECTSIZE);
    // SAFETY: `rep insd` stores SECTSIZE/4 dwords at edi, inside `dst`.
    unsafe {
        asm!("rep insd", inout("edi") dst.as_mut_ptr() => _,
             inout("ecx") SECTSIZE / 4 => _, in("dx") DATA, options(nostack))
    };
}

/// Writes one sector from `src` to the data port.
fn outsl_sector(src: &[u8]) {
    assert_eq!(src.len(), SECTSIZE);
    // SAFETY: `rep outsd` reads SECTSIZE/4 dwords at esi, inside `src`. The
    // compiler reserves esi on i686, so it is saved around the string op.
    unsafe {
        asm!("push esi", "mov esi, {src}", "rep outsd", "pop esi",
             src = in(reg) src.as_ptr(), inout("ecx") SECTSIZE / 4 => _,
             in("dx") DATA, options(readonly))
    };
}

/// Waits until the drive is ready; Err(-E_NO_DISK) on a drive error or
/// when it stays busy.
fn wait_ready() -> Result<(), i32> {
    let start = jos::sys_time_msec();
    for i in 0..MAX_POLLS {
        if i % POLLS_PER_CHECK == POLLS_PER_CHECK - 1
            && jos::sys_time_msec().wrapping_sub(start) > TIMEOUT_MS
        {
            break;
        }
        let s = inb(STATUS_COMMAND);
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

/// Whether disk 1 answers: selects it and waits (bounded) for a status
/// that is neither busy nor failing. Leaves disk 1 selected.
pub fn probe_disk1() -> bool {
    if wait_ready().is_err() {
        return false;
    }
    outb(DRIVE_HEAD, 0xE0 | (DISKNO << 4));
    (0..1000).any(|_| {
        let s = inb(STATUS_COMMAND);
        s != 0xFF && s & (BSY | DF | ERR) == 0 && s & DRDY != 0
    })
}

/// Programs the drive for `nsecs` sectors from `secno` with `cmd`.
fn start(secno: u32, nsecs: usize, cmd: u8) -> Result<(), i32> {
    assert!((1..=255).contains(&nsecs) && secno < 1 << 28);
    wait_ready()?;
    outb(SECTOR_COUNT, nsecs as u8);
    outb(LBA_LOW, secno as u8);
    outb(LBA_MID, (secno >> 8) as u8);
    outb(LBA_HIGH, (secno >> 16) as u8);
    outb(
        DRIVE_HEAD,
        0xE0 | (DISKNO << 4) | ((secno >> 24) as u8 & 0x0F),
    );
    outb(STATUS_COMMAND, cmd);
    Ok(())
}

/// Reads sectors `secno..` into `dst` (a whole number of sectors).
pub fn ide_read(secno: u32, dst: &mut [u8]) -> Result<(), i32> {
    start(secno, dst.len() / SECTSIZE, CMD_READ)?;
    for sector in dst.chunks_exact_mut(SECTSIZE) {
        wait_ready()?;
        insl_sector(sector);
    }
    Ok(())
}

/// Writes `src` (a whole number of sectors) to sectors `secno..`.
pub fn ide_write(secno: u32, src: &[u8]) -> Result<(), i32> {
    start(secno, src.len() / SECTSIZE, CMD_WRITE)?;
    for sector in src.chunks_exact(SECTSIZE) {
        wait_ready()?;
        outsl_sector(sector);
    }
    // The drive is busy until the last sector is on the disk.
    wait_ready()
}
