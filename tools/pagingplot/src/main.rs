//! `pagingplot OUTDIR [TRACE...]`: replays the built-in traces (and any
//! trace files given) through every policy for 1..N frames and writes
//! `NAME.csv` and `NAME.svg` under OUTDIR (`make paging-plot`).

use pagingplot::replay::{faults, POLICIES};
use pagingplot::svg::{chart, Series};
use pagingplot::trace;
use std::path::Path;
use std::process::ExitCode;

const COLOURS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"];

fn plot(
    out: &Path,
    name: &str,
    title: &str,
    trace: &[u32],
    max_frames: usize,
) -> std::io::Result<()> {
    let curves: Vec<Vec<usize>> = POLICIES
        .iter()
        .map(|&p| (1..=max_frames).map(|f| faults(p, trace, f)).collect())
        .collect();
    let mut csv = String::from("frames");
    for p in POLICIES {
        csv.push(',');
        csv.push_str(p.name());
    }
    csv.push('\n');
    for f in 0..max_frames {
        csv.push_str(&(f + 1).to_string());
        for c in &curves {
            csv.push_str(&format!(",{}", c[f]));
        }
        csv.push('\n');
    }
    let series: Vec<Series> = POLICIES
        .iter()
        .zip(&curves)
        .zip(COLOURS)
        .map(|((p, c), colour)| Series {
            name: p.name(),
            colour,
            faults: c,
        })
        .collect();
    std::fs::write(out.join(format!("{name}.csv")), csv)?;
    std::fs::write(out.join(format!("{name}.svg")), chart(title, &series))?;
    println!(
        "{}: {} references, {} pages -> {name}.svg",
        title,
        trace.len(),
        distinct(trace)
    );
    Ok(())
}

fn distinct(trace: &[u32]) -> usize {
    trace.iter().collect::<std::collections::HashSet<_>>().len()
}

fn run(args: &[String]) -> Result<(), String> {
    let out = Path::new(args.first().ok_or("usage: pagingplot OUTDIR [TRACE...]")?);
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let io = |e: std::io::Error| e.to_string();
    plot(
        out,
        "belady",
        "Belady's string (FIFO: 3 frames 9 faults, 4 frames 10)",
        &trace::BELADY,
        7,
    )
    .map_err(io)?;
    plot(
        out,
        "phases",
        "phases: moving hot sets over 64 pages",
        &trace::phases(4000, 64, 1),
        64,
    )
    .map_err(io)?;
    plot(
        out,
        "sweep",
        "a loop over 32 pages, 8 times",
        &trace::sweep(32, 8),
        40,
    )
    .map_err(io)?;
    for file in &args[1..] {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let t = trace::parse(&text).map_err(|e| format!("{file}: {e}"))?;
        let name = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("trace");
        plot(out, name, name, &t, distinct(&t) + 4).map_err(io)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pagingplot: {e}");
            ExitCode::FAILURE
        }
    }
}
