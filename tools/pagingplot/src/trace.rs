//! Reference traces: the textbook string, synthetic workloads, and traces
//! read from a file (one page number per line, decimal or 0x hex).

/// Belady, Nelson and Shedler's string: FIFO takes more faults with 4
/// frames than with 3.
pub const BELADY: [u32; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

/// A deterministic pseudo-random sequence (xorshift32).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Programs move between phases, each touching a small hot set most of
/// the time: `len` references over `pages` pages, 90 % in a hot set of
/// pages/8 that moves every len/10 references.
pub fn phases(len: usize, pages: u32, seed: u32) -> Vec<u32> {
    let mut rng = Rng(seed.max(1));
    let hot = (pages / 8).max(1);
    (0..len)
        .map(|i| {
            let base = ((i / (len / 10).max(1)) as u32 * hot) % pages;
            if rng.next() % 10 < 9 {
                (base + rng.next() % hot) % pages
            } else {
                rng.next() % pages
            }
        })
        .collect()
}

/// A loop over `pages` pages, `rounds` times: the case where LRU and FIFO
/// fault on every reference once memory is one page short.
pub fn sweep(pages: u32, rounds: usize) -> Vec<u32> {
    (0..rounds).flat_map(|_| 0..pages).collect()
}

/// Parses a trace file: one page number per line; `#` starts a comment.
pub fn parse(text: &str) -> Result<Vec<u32>, String> {
    let mut trace = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let word = line.split('#').next().unwrap_or("").trim();
        if word.is_empty() {
            continue;
        }
        let page = match word.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => word.parse(),
        };
        trace.push(page.map_err(|e| format!("line {}: {word:?}: {e}", n + 1))?);
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_stays_in_range_and_repeats() {
        let t = phases(1000, 64, 7);
        assert_eq!(t.len(), 1000);
        assert!(t.iter().all(|&p| p < 64));
        assert_eq!(t, phases(1000, 64, 7));
        assert_ne!(t, phases(1000, 64, 8));
    }

    #[test]
    fn sweep_loops() {
        assert_eq!(sweep(3, 2), vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn parse_reads_decimal_hex_and_comments() {
        assert_eq!(
            parse("1\n0x10 # sixteen\n\n# nothing\n 7 \n"),
            Ok(vec![1, 16, 7])
        );
        assert!(parse("1\nseven\n").unwrap_err().starts_with("line 2:"));
    }
}
