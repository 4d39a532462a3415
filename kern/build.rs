//! Links the kernel with its own script (kept out of the shared target spec)
//! and embeds the user programs.
//!
//! The Makefile strips each user program into `$RJOS_USER_DIR/NAME`. We
//! generate `$OUT_DIR/userprogs.rs`, a table of (name, bytes) whose bytes sit
//! in page-aligned statics in section `.userprogs` (goblin needs aligned
//! input, and page alignment keeps each program on its own pages). Without
//! the variable (host tests, clippy) the table is empty.
use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("jos") {
        println!("cargo:rustc-link-arg-bins=-T{dir}/kernel.ld");
    }
    println!("cargo:rerun-if-changed=kernel.ld");
    println!("cargo:rerun-if-changed=../boot/entry.S");
    println!("cargo:rerun-if-changed=src/trapentry.S");
    println!("cargo:rerun-if-env-changed=RJOS_USER_DIR");

    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("userprogs.rs");
    // Directories of programs, or single programs, separated by ':'
    // (obj/user and obj/fs/fs).
    let table = match std::env::var("RJOS_USER_DIR") {
        Ok(dirs) if !dirs.is_empty() => program_table(std::env::split_paths(&dirs)),
        _ => program_table_source(&[]),
    };
    std::fs::write(out, table).unwrap();
}

/// Whether the file at `path` starts like an ELF file (a disk image that
/// sits beside the file server is not a program).
fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"\x7fELF"
}

/// The table source for every ELF file in the directories (and every
/// single file named), sorted by name.
fn program_table(paths: impl Iterator<Item = std::path::PathBuf>) -> String {
    let mut progs = Vec::new();
    for user_path in paths {
        println!("cargo:rerun-if-changed={}", user_path.display());
        let files: Vec<std::path::PathBuf> = if user_path.is_dir() {
            let Ok(entries) = std::fs::read_dir(&user_path) else {
                continue;
            };
            entries.flatten().map(|e| e.path()).collect()
        } else {
            vec![user_path]
        };
        for path in files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let wanted = path.is_file() && !name.ends_with(".tmp") && is_identifier_like(&name);
            if !wanted || !is_elf(&path) {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            progs.push((name, path.display().to_string(), len));
        }
    }
    progs.sort();
    program_table_source(&progs)
}

/// Program names become part of Rust source: allow only safe characters.
fn is_identifier_like(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

fn program_table_source(progs: &[(String, String, usize)]) -> String {
    let mut s = String::from(
        "/// One embedded program, aligned to a page.\n\
         #[repr(C, align(4096))]\n\
         #[allow(dead_code)]\n\
         pub struct PageAligned<const N: usize>(pub [u8; N]);\n\n",
    );
    for (i, (_, path, len)) in progs.iter().enumerate() {
        writeln!(
            s,
            "#[link_section = \".userprogs\"]\n\
             static PROG_{i}: PageAligned<{len}> = PageAligned(*include_bytes!({path:?}));"
        )
        .unwrap();
    }
    s.push_str("\n/// (name, ELF bytes) of every embedded user program.\n");
    s.push_str("pub static EMBEDDED: &[(&str, &[u8])] = &[\n");
    for (i, (name, _, _)) in progs.iter().enumerate() {
        writeln!(s, "    ({name:?}, &PROG_{i}.0),").unwrap();
    }
    s.push_str("];\n");
    s
}
