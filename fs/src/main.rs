//! The file server, the env named `fs`: started first (envid 00001000),
//! with I/O privilege, it drives the disk, caches its blocks and serves
//! file requests over IPC (see docs/lab5.md).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod bc;
#[cfg(target_os = "none")]
mod ide;
#[cfg(target_os = "none")]
mod lend;
#[cfg(target_os = "none")]
mod serv;
#[cfg(target_os = "none")]
mod swapserv;
#[cfg(target_os = "none")]
mod test;

#[cfg(target_os = "none")]
#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    use inc::fs::{BLKSIZE, DISKSIZE};
    use jos::{cprintf, panic};

    cprintf!("FS is running\n");
    if !ide::FS_DISK.probe() {
        panic!("no file-system disk: QEMU needs -drive file=obj/fs/fs.img,index=1");
    }
    cprintf!("FS can do I/O\n");
    bc::bc_init();
    test::check_bc();
    let mut fs = fs::fs::Fs::mount(bc::Disk, DISKSIZE / BLKSIZE as u32)
        .unwrap_or_else(|e| panic!("the disk holds no file system: %e", e));
    bc::set_nblocks(fs.nblocks());
    test::check_super(&mut fs);
    test::check_bitmap(&mut fs);
    test::fs_test(&mut fs);
    swapserv::init();
    serv::serve(fs)
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the RJOS file server runs under QEMU as the env `fs`");
}
