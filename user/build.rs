//! Links every user program with the user linker script (kept out of the
//! target spec, which the kernel shares).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/../lib/user.ld");
    println!("cargo:rerun-if-changed=../lib/user.ld");
}
