//! Links the file server like every user program, with lib/user.ld.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    if std::env::var("TARGET").unwrap_or_default().contains("jos") {
        println!("cargo:rustc-link-arg-bins=-T{dir}/../lib/user.ld");
    }
    println!("cargo:rerun-if-changed=../lib/user.ld");
}
