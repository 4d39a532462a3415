//! A line chart of faults against frames, one line per policy, as SVG.

use std::fmt::Write;

/// One policy's curve: faults at frames = 1, 2, ...
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub faults: &'a [usize],
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about 5 ticks.
fn tick_step(max: usize) -> usize {
    let rough = (max / 5).max(1);
    let mut step = 1;
    while step * 10 <= rough {
        step *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * step)
        .find(|&s| s >= rough)
        .unwrap_or(step * 10)
}

/// Draws `series` (all the same length) with the title `title`.
pub fn chart(title: &str, series: &[Series]) -> String {
    let points = series
        .iter()
        .map(|s| s.faults.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let top = series
        .iter()
        .flat_map(|s| s.faults.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x =
        |frames: usize| LEFT + plot_w * (frames as f64 - 1.0) / ((points as f64 - 1.0).max(1.0));
    let y = |faults: usize| TOP + plot_h * (1.0 - faults as f64 / top as f64);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" font-size="15">{}</text>"#,
        LEFT,
        escape(title)
    );
    axes(&mut out, points, top, &x, &y);
    for (i, s) in series.iter().enumerate() {
        let path: Vec<String> = s
            .faults
            .iter()
            .enumerate()
            .map(|(f, &n)| format!("{:.1},{:.1}", x(f + 1), y(n)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline class="policy" data-policy="{}" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            escape(s.name),
            s.colour,
            path.join(" ")
        );
        let ly = TOP + 20.0 * i as f64;
        let lx = WIDTH - RIGHT + 20.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            lx + 25.0,
            s.colour,
            lx + 30.0,
            ly + 4.0,
            escape(s.name)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn axes(
    out: &mut String,
    points: usize,
    top: usize,
    x: &dyn Fn(usize) -> f64,
    y: &dyn Fn(usize) -> f64,
) {
    let (x0, y0) = (x(1), y(0));
    let _ = writeln!(
        out,
        r#"<line x1="{x0}" y1="{y0}" x2="{}" y2="{y0}" stroke="black"/>"#,
        x(points)
    );
    let _ = writeln!(
        out,
        r#"<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{}" stroke="black"/>"#,
        y(top)
    );
    let xstep = tick_step(points);
    for f in (1..=points).filter(|f| *f == 1 || f % xstep == 0) {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{f}</text>"#,
            x(f),
            y0 + 16.0
        );
    }
    let ystep = tick_step(top);
    for n in (0..=top).step_by(ystep) {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{n}</text>"#,
            x0 - 6.0,
            y(n) + 4.0
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">page frames</text>"#,
        (x0 + x(points)) / 2.0,
        y0 + 36.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle">page faults</text>"#,
        (y0 + y(top)) / 2.0
    );
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(12), 2);
        assert_eq!(tick_step(4), 1);
        assert_eq!(tick_step(230), 50);
        assert_eq!(tick_step(1000), 200);
    }

    #[test]
    fn one_polyline_per_policy_through_every_point() {
        let a = [9, 7, 5];
        let b = [8, 6, 4];
        let svg = chart(
            "t <1>",
            &[
                Series {
                    name: "FIFO",
                    colour: "red",
                    faults: &a,
                },
                Series {
                    name: "clock",
                    colour: "blue",
                    faults: &b,
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("t &lt;1&gt;"));
        // The FIFO line starts at the top left (9 faults, 1 frame) and ends at 3 frames.
        let fifo = svg
            .lines()
            .find(|l| l.contains(r#"data-policy="FIFO""#))
            .unwrap();
        let pts = fifo
            .split("points=\"")
            .nth(1)
            .unwrap()
            .trim_end_matches("\"/>");
        let pts: Vec<&str> = pts.split(' ').collect();
        assert_eq!(pts.len(), 3);
        assert_eq!(pts[0], format!("{:.1},{:.1}", LEFT, TOP));
    }
}
