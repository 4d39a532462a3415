//! fsck IMAGE: checks a file-system image; prints each problem found and
//! exits 1 if there is any, 0 if the image is sound.
use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, image] = args.as_slice() else {
        eprintln!("usage: fsck IMAGE");
        exit(2);
    };
    let bytes = std::fs::read(image).unwrap_or_else(|e| {
        eprintln!("fsck: {image}: {e}");
        exit(2);
    });
    let problems = fs::fsck::fsck(bytes);
    for p in &problems {
        println!("fsck: {image}: {p}");
    }
    if !problems.is_empty() {
        println!("fsck: {image}: {} problem(s)", problems.len());
        exit(1);
    }
}
