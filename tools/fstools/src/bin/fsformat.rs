//! fsformat IMAGE NBLOCKS FILE...: writes a file-system image of NBLOCKS
//! blocks holding each FILE in the root directory under its base name, in
//! JOS's format (so JOS's own fs server could mount it, and ours mounts
//! images JOS's fsformat made).
use fs::image::{add_file, mkfs};
use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: fsformat IMAGE NBLOCKS [FILE...]");
        exit(2);
    }
    let nblocks: u32 = match args[2].parse() {
        Ok(n) if n >= 4 => n,
        _ => {
            eprintln!("fsformat: bad block count '{}'", args[2]);
            exit(2);
        }
    };
    let mut fs = mkfs(nblocks);
    for path in &args[3..] {
        let data = std::fs::read(path).unwrap_or_else(|e| {
            eprintln!("fsformat: {path}: {e}");
            exit(1);
        });
        let name = std::path::Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Err(e) = add_file(&mut fs, &name, &data) {
            eprintln!(
                "fsformat: cannot add {path} ({} bytes): error {e}",
                data.len()
            );
            exit(1);
        }
    }
    let tmp = format!("{}.tmp", args[1]);
    if let Err(e) =
        std::fs::write(&tmp, &fs.dev.bytes).and_then(|()| std::fs::rename(&tmp, &args[1]))
    {
        eprintln!("fsformat: {}: {e}", args[1]);
        exit(1);
    }
}
