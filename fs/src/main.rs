//! The file server (placeholder while the env side is written).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the RJOS file server runs under QEMU as the env `fs`");
}
