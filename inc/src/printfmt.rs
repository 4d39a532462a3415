//! The printf-style formatter shared by the kernel's `cprintf!` and the user
//! library's `cprintf!`/`println!`.
//!
//! Rust has no C varargs, so the macros turn each argument into an [`Arg`]
//! (which remembers whether it was signed, and how wide) and [`vprintfmt`]
//! walks the format string at run time, with JOS's verbs:
//! `%d %i %u %x %X %o %c %s %p %e %%`, a width (digits or `*`), a precision
//! for strings, the `-` and `0` flags and the `l`/`ll` length modifiers.

use crate::error::error_string;

/// One formatted argument.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    /// A signed integer, and its width in bytes.
    Int(i64, u8),
    /// An unsigned integer, and its width in bytes.
    Uint(u64, u8),
    Str(&'a str),
    Bytes(&'a [u8]),
    Char(char),
}

/// Converts a value into an [`Arg`]; implemented for integers, strings, chars and pointers.
pub trait ToArg {
    fn to_arg(&self) -> Arg<'_>;
}

macro_rules! signed_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> { Arg::Int(*self as i64, core::mem::size_of::<$t>() as u8) }
        }
    )*};
}
macro_rules! unsigned_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> { Arg::Uint(*self as u64, core::mem::size_of::<$t>() as u8) }
        }
    )*};
}
signed_arg!(i8, i16, i32, i64, isize);
unsigned_arg!(u8, u16, u32, u64, usize);

impl ToArg for bool {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Int(*self as i64, 4)
    }
}
impl ToArg for char {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Char(*self)
    }
}
impl ToArg for &str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}
impl ToArg for &[u8] {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Bytes(self)
    }
}
impl<T> ToArg for *const T {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Uint(*self as usize as u64, core::mem::size_of::<usize>() as u8)
    }
}
impl<T> ToArg for *mut T {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Uint(*self as usize as u64, core::mem::size_of::<usize>() as u8)
    }
}

/// Where formatted bytes go.
pub trait Putch {
    fn putch(&mut self, c: u8);

    /// Several bytes at once; a sink overrides it when it can take a run
    /// for less than a call per byte.
    fn put_bytes(&mut self, s: &[u8]) {
        for &c in s {
            self.putch(c);
        }
    }
}

/// Builds the `&[Arg]` slice for [`vprintfmt`] from a list of expressions.
#[macro_export]
macro_rules! jos_args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::printfmt::ToArg::to_arg(&$arg)),*]
    };
}

/// How one conversion is to be laid out.
#[derive(Default, Clone, Copy)]
struct Spec {
    left: bool,
    pad: u8,
    width: usize,
    precision: Option<usize>,
    longs: u8,
}

/// Formats `fmt` with `args` into `out`; returns the number of bytes written.
/// Missing arguments print as `(missing)`, so a bad format cannot fault.
pub fn vprintfmt(out: &mut dyn Putch, fmt: &str, args: &[Arg]) -> usize {
    format::<true>(out, fmt, args)
}

/// [`vprintfmt`], with the shortcut for short hex conversions
/// ([`short_hex`]) or, for the host tests to compare, without it.
fn format<const SHORTCUTS: bool>(out: &mut dyn Putch, fmt: &str, args: &[Arg]) -> usize {
    let mut w = Counter::new(out);
    let mut args = args.iter();
    let fmt = fmt.as_bytes();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            // Text up to the next verb (or as much as the stage holds).
            let n = w.put_text(&fmt[i..]);
            if n == 0 {
                w.flush();
            }
            i += n;
            continue;
        }
        let start = i;
        i += 1;
        if SHORTCUTS {
            if let Some(next) = short_hex(&mut w, fmt, i, &mut args) {
                i = next;
                continue;
            }
        }
        let mut spec = Spec {
            pad: b' ',
            ..Spec::default()
        };
        i = parse_spec(fmt, i, &mut spec, &mut args);
        let Some(&verb) = fmt.get(i) else {
            w.put_bytes(&fmt[start..]);
            break;
        };
        i += 1;
        match verb {
            b'%' => w.put(b'%'),
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'c' | b's' | b'p' | b'e' => {
                match args.next() {
                    Some(arg) => convert(&mut w, verb, &spec, arg),
                    None => w.put_bytes(b"(missing)"),
                }
            }
            _ => w.put_bytes(&fmt[start..i]),
        }
    }
    w.flush();
    w.total()
}

/// The conversions the kernel prints most (every env id is a `%08x`):
/// `%x` or `%X` with at most a `0` flag and a one-digit width, written
/// straight into the staging buffer. `i` is just past the `%`; returns
/// the index past the verb, or `None` (nothing written, no argument
/// taken) for anything else, which the general path then formats. The
/// general path costs about 400 instructions per `%08x` (the spec's
/// parse, `convert`'s match, `number`'s buffer, `field`'s pieces).
fn short_hex(
    w: &mut Counter,
    fmt: &[u8],
    i: usize,
    args: &mut core::slice::Iter<Arg>,
) -> Option<usize> {
    let mut j = i;
    let zero = fmt.get(j) == Some(&b'0');
    j += usize::from(zero);
    let width = match fmt.get(j) {
        Some(&c @ b'1'..=b'9') => {
            j += 1;
            usize::from(c - b'0')
        }
        _ => 0,
    };
    let pairs = match fmt.get(j) {
        Some(b'x') => &HEX_PAIRS_LOWER,
        Some(b'X') => &HEX_PAIRS_UPPER,
        _ => return None,
    };
    let arg = args.as_slice().first()?;
    args.next();
    let v = as_u64(arg, 4) as u32;
    // Zero padding is just more digits: v has run out, so they are '0's.
    let len = if zero {
        width.max(hex_len(v))
    } else {
        hex_len(v)
    };
    let field = w.reserve(width.max(len));
    let (spaces, body) = field.split_at_mut(field.len() - len);
    // `fill` is a call of memset, even for none.
    if !spaces.is_empty() {
        spaces.fill(b' ');
    }
    fill_hex(body, v, pairs);
    Some(j + 1)
}

/// Fills `body` with the low hex digits of `v`, the last digit last: two
/// digits (a byte of v) per step, from the end.
fn fill_hex(body: &mut [u8], mut v: u32, pairs: &[[u8; 2]; 256]) {
    let mut rest = body;
    while let [head @ .., a, b] = rest {
        [*a, *b] = pairs[v as u8 as usize];
        v >>= 8;
        rest = head;
    }
    if let [d] = rest {
        *d = pairs[v as usize & 15][1];
    }
}

/// Every byte's two hex digits: [`short_hex`] writes a pair per step.
static HEX_PAIRS_LOWER: [[u8; 2]; 256] = hex_pairs(b"0123456789abcdef");
static HEX_PAIRS_UPPER: [[u8; 2]; 256] = hex_pairs(b"0123456789ABCDEF");

const fn hex_pairs(digits: &[u8; 16]) -> [[u8; 2]; 256] {
    let mut t = [[0; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
}

/// How many hex digits `v` has (1 for 0).
fn hex_len(v: u32) -> usize {
    let bits = 32 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(4)
}

/// Parses flags, width, precision and length; returns the index of the verb.
fn parse_spec(
    fmt: &[u8],
    mut i: usize,
    spec: &mut Spec,
    args: &mut core::slice::Iter<Arg>,
) -> usize {
    while let Some(&c) = fmt.get(i) {
        match c {
            b'-' => spec.left = true,
            b'0' if spec.width == 0 && spec.precision.is_none() => spec.pad = b'0',
            b'0'..=b'9' => {
                let n = (c - b'0') as usize;
                match spec.precision.as_mut() {
                    Some(p) => *p = p.saturating_mul(10).saturating_add(n),
                    None => spec.width = spec.width.saturating_mul(10).saturating_add(n),
                }
            }
            b'*' => {
                let n = args.next().map(|a| as_i64(a, 4)).unwrap_or(0);
                match spec.precision.as_mut() {
                    Some(p) => *p = n.max(0) as usize,
                    None if n < 0 => {
                        spec.left = true;
                        spec.width = n.unsigned_abs() as usize;
                    }
                    None => spec.width = n as usize,
                }
            }
            b'.' => spec.precision = Some(0),
            b'l' => spec.longs += 1,
            b'#' => {}
            _ => return i,
        }
        i += 1;
    }
    i
}

fn convert(w: &mut Counter, verb: u8, spec: &Spec, arg: &Arg) {
    // `%d` without `ll` sees a 32-bit int, as in C on i386.
    let bytes = if spec.longs >= 2 { 8 } else { 4 };
    let mut buf = [0u8; 24];
    match verb {
        b'd' | b'i' => {
            let v = as_i64(arg, bytes);
            let digits = number(&mut buf, v.unsigned_abs(), 10, false);
            let sign: &[u8] = if v < 0 { b"-" } else { b"" };
            w.field(spec, sign, digits);
        }
        b'u' | b'x' | b'X' | b'o' => {
            let base = match verb {
                b'u' => 10,
                b'o' => 8,
                _ => 16,
            };
            let v = as_u64(arg, bytes);
            let digits = number(&mut buf, v, base, verb == b'X');
            w.field(spec, b"", digits);
        }
        b'p' => {
            // "0x" and at least eight hex digits, padded to the width as a whole.
            let digits = number(&mut buf, as_u64(arg, 4), 16, false);
            let mut field = [b'0'; 18];
            let body = 8usize.max(digits.len());
            field[1] = b'x';
            field[2 + body - digits.len()..2 + body].copy_from_slice(digits);
            w.field(&Spec { pad: b' ', ..*spec }, b"", &field[..2 + body]);
        }
        b'c' => {
            let mut utf8 = [0u8; 4];
            let s: &[u8] = match arg {
                Arg::Char(c) => c.encode_utf8(&mut utf8).as_bytes(),
                other => {
                    utf8[0] = as_u64(other, 4) as u8;
                    &utf8[..1]
                }
            };
            w.field(&Spec { pad: b' ', ..*spec }, b"", s);
        }
        b's' => {
            let s: &[u8] = match arg {
                Arg::Str(s) => s.as_bytes(),
                Arg::Bytes(b) => b,
                _ => b"(null)",
            };
            let s = match spec.precision {
                Some(p) if p < s.len() => &s[..p],
                _ => s,
            };
            w.field(&Spec { pad: b' ', ..*spec }, b"", s);
        }
        b'e' => {
            let code = as_i64(arg, 4) as i32;
            match error_string(code) {
                Some(msg) => w.field(&Spec { pad: b' ', ..*spec }, b"", msg.as_bytes()),
                None => {
                    w.put_bytes(b"error ");
                    let digits = number(&mut buf, code.unsigned_abs() as u64, 10, false);
                    w.field(spec, if code < 0 { b"-" } else { b"" }, digits);
                }
            }
        }
        _ => unreachable!("verb checked by the caller"),
    }
}

fn as_i64(arg: &Arg, bytes: u8) -> i64 {
    let raw = match *arg {
        Arg::Int(v, _) => v,
        Arg::Uint(v, _) => v as i64,
        Arg::Char(c) => c as i64,
        Arg::Str(_) | Arg::Bytes(_) => 0,
    };
    if bytes == 8 {
        raw
    } else {
        raw as i32 as i64
    }
}

fn as_u64(arg: &Arg, bytes: u8) -> u64 {
    let raw = as_i64(arg, 8) as u64;
    if bytes == 8 {
        raw
    } else {
        raw as u32 as u64
    }
}

/// Writes `v` in `base` at the end of `buf` and returns the digits.
fn number(buf: &mut [u8; 24], mut v: u64, base: u64, upper: bool) -> &[u8] {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut i = buf.len();
    // 64-bit division is a library call on i686 (`__udivdi3`); the digits
    // of anything that fits in 32 bits, nearly every number printed, come
    // from plain 32-bit division.
    while v > u64::from(u32::MAX) {
        i -= 1;
        buf[i] = digits[(v % base) as usize];
        v /= base;
    }
    let (mut v, base) = (v as u32, base as u32);
    loop {
        i -= 1;
        buf[i] = digits[(v % base) as usize];
        v /= base;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// How many formatted bytes [`Counter`] gathers before it hands them on.
const STAGE: usize = 64;

/// Gathers the formatted bytes and hands them to the sink in runs of up to
/// [`STAGE`] (one `put_bytes` for a typical line): a call through `dyn
/// Putch` per piece cost more than the few bytes of the piece (issue 11).
struct Counter<'a> {
    out: &'a mut dyn Putch,
    staged: [u8; STAGE],
    len: usize,
    /// Bytes already handed to `out`.
    flushed: usize,
}

impl<'a> Counter<'a> {
    fn new(out: &'a mut dyn Putch) -> Counter<'a> {
        Counter {
            out,
            staged: [0; STAGE],
            len: 0,
            flushed: 0,
        }
    }

    /// Hands the gathered bytes to the sink.
    fn flush(&mut self) {
        if self.len > 0 {
            self.out.put_bytes(&self.staged[..self.len]);
            self.flushed += self.len;
            self.len = 0;
        }
    }

    /// Everything written so far, flushed or not.
    fn total(&self) -> usize {
        self.flushed + self.len
    }

    fn put(&mut self, c: u8) {
        // Written so that the index is visibly below STAGE: no bounds check.
        let i = if self.len < STAGE {
            self.len
        } else {
            self.flush();
            0
        };
        self.staged[i] = c;
        self.len = i + 1;
    }

    /// The next `n` bytes of the staging buffer (`n` at most STAGE),
    /// counted as written: the caller fills them.
    fn reserve(&mut self, n: usize) -> &mut [u8] {
        if STAGE - self.len < n {
            self.flush();
        }
        let at = self.len;
        self.len += n;
        &mut self.staged[at..at + n]
    }

    /// Copies `text` up to its first '%' or until the stage is full;
    /// returns how many bytes it took (0 only when the stage is full).
    /// Copied as it is scanned: one pass, no call.
    fn put_text(&mut self, text: &[u8]) -> usize {
        let room = &mut self.staged[self.len..];
        let mut n = 0;
        for (slot, &c) in room.iter_mut().zip(text) {
            if c == b'%' {
                break;
            }
            *slot = c;
            n += 1;
        }
        self.len += n;
        n
    }

    /// A byte loop: the pieces are a few bytes long, too short for a call
    /// of `memcpy` to pay.
    fn put_bytes(&mut self, s: &[u8]) {
        for &c in s {
            self.put(c);
        }
    }

    /// `n` copies of `c` (a space or '0').
    fn pad(&mut self, c: u8, n: usize) {
        for _ in 0..n {
            self.put(c);
        }
    }

    /// Emits `sign` and `body` padded to the field width.
    fn field(&mut self, spec: &Spec, sign: &[u8], body: &[u8]) {
        let len = sign.len() + body.len();
        let fill = spec.width.saturating_sub(len);
        if spec.left {
            self.put_bytes(sign);
            self.put_bytes(body);
            self.pad(b' ', fill);
        } else if spec.pad == b'0' {
            self.put_bytes(sign);
            self.pad(b'0', fill);
            self.put_bytes(body);
        } else {
            self.pad(b' ', fill);
            self.put_bytes(sign);
            self.put_bytes(body);
        }
    }
}

/// A fixed-capacity buffer sink; extra bytes are dropped.
pub struct Collect {
    pub buf: [u8; 256],
    pub len: usize,
}

impl Putch for Collect {
    fn putch(&mut self, c: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = c;
            self.len += 1;
        }
    }
}

impl Default for Collect {
    fn default() -> Collect {
        Collect {
            buf: [0; 256],
            len: 0,
        }
    }
}

impl Collect {
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Formats into a caller's buffer (JOS's `snprintf`); returns the bytes used.
pub fn snprintf(buf: &mut [u8], fmt: &str, args: &[Arg]) -> usize {
    struct Slice<'a> {
        buf: &'a mut [u8],
        len: usize,
    }
    impl Putch for Slice<'_> {
        fn putch(&mut self, c: u8) {
            if self.len < self.buf.len() {
                self.buf[self.len] = c;
                self.len += 1;
            }
        }
    }
    let mut s = Slice { buf, len: 0 };
    vprintfmt(&mut s, fmt, args);
    s.len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::E_NO_MEM;

    fn fmt(f: &str, args: &[Arg]) -> String {
        let mut c = Collect::default();
        let n = vprintfmt(&mut c, f, args);
        assert_eq!(n, c.len);
        String::from_utf8(c.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn jos_lab1_line() {
        assert_eq!(
            fmt("%d decimal is %o octal!", jos_args!(6828, 6828)),
            "6828 decimal is 15254 octal!"
        );
    }

    #[test]
    fn integers() {
        assert_eq!(
            fmt("%d %u %x %X", jos_args!(-1, -1, 255u32, 255u32)),
            "-1 4294967295 ff FF"
        );
        assert_eq!(
            fmt("%08x|%-5d|%5d|%05d", jos_args!(0xbeefu32, 42, 42, -42)),
            "0000beef|42   |   42|-0042"
        );
        assert_eq!(
            fmt("%lld %llx", jos_args!(-5_000_000_000i64, u64::MAX)),
            "-5000000000 ffffffffffffffff"
        );
        assert_eq!(fmt("%ld", jos_args!(-7i32)), "-7");
        assert_eq!(fmt("%d", jos_args!(i32::MIN)), "-2147483648");
        assert_eq!(fmt("%*d", jos_args!(4, 7)), "   7");
    }

    #[test]
    fn strings_chars_pointers() {
        assert_eq!(
            fmt(
                "[%s] [%.2s] [%-4s] [%4s]",
                jos_args!("abc", "abc", "ab", "ab")
            ),
            "[abc] [ab] [ab  ] [  ab]"
        );
        assert_eq!(fmt("%c%c", jos_args!('o', b'k')), "ok");
        assert_eq!(fmt("%p", jos_args!(0xf0100000u32)), "0xf0100000");
        assert_eq!(fmt("%p", jos_args!(0x10u32)), "0x00000010");
        assert_eq!(fmt("100%%", jos_args!()), "100%");
    }

    #[test]
    fn errors() {
        assert_eq!(fmt("%e", jos_args!(-E_NO_MEM)), "out of memory");
        assert_eq!(fmt("%e", jos_args!(E_NO_MEM)), "out of memory");
        assert_eq!(fmt("%e", jos_args!(-99)), "error -99");
    }

    #[test]
    fn bad_formats_do_not_fault() {
        assert_eq!(fmt("%d %d", jos_args!(1)), "1 (missing)");
        assert_eq!(fmt("%q", jos_args!(1)), "%q");
        assert_eq!(fmt("tail %", jos_args!()), "tail %");
        assert_eq!(fmt("%s", jos_args!(5)), "(null)");
        let mut buf = [0u8; 4];
        assert_eq!(snprintf(&mut buf, "%d", jos_args!(123456)), 4);
        assert_eq!(&buf, b"1234");
    }

    #[test]
    fn wide_padding_and_long_text_runs() {
        // Padding comes in runs of at most 16: widths past that, and of
        // exactly 16 and 32, must still come out whole.
        assert_eq!(
            fmt("%40s|", jos_args!("x")),
            format!("{}x|", " ".repeat(39))
        );
        assert_eq!(fmt("%-17d|", jos_args!(5)), format!("5{}|", " ".repeat(16)));
        assert_eq!(
            fmt("%016x", jos_args!(1u32)),
            format!("{}1", "0".repeat(15))
        );
        assert_eq!(fmt("%033d", jos_args!(-1)), format!("-{}1", "0".repeat(31)));
        let text = "a line of plain text with no verb at all, longer than any buffer\n";
        assert_eq!(fmt(text, jos_args!()), text);
        assert_eq!(fmt("ab%dcd%%ef", jos_args!(7)), "ab7cd%ef");
    }

    /// Formats with and without the shortcuts.
    fn both(f: &str, args: &[Arg]) -> (String, String) {
        struct Grow(Vec<u8>);
        impl Putch for Grow {
            fn putch(&mut self, c: u8) {
                self.0.push(c);
            }
        }
        let run = |fast: bool| {
            let mut out = Grow(Vec::new());
            let n = if fast {
                format::<true>(&mut out, f, args)
            } else {
                format::<false>(&mut out, f, args)
            };
            assert_eq!(n, out.0.len());
            String::from_utf8(out.0).unwrap()
        };
        (run(true), run(false))
    }

    /// Edge values and a spread of others (a fixed LCG, so a failure
    /// repeats).
    fn sample_values() -> Vec<u64> {
        let mut v = vec![
            0,
            1,
            9,
            0xf,
            0x10,
            0xff,
            0x1000,
            0x1001,
            0xffff_ffff,
            0x1_0000_0000,
            u64::MAX,
        ];
        v.extend((0..32).map(|b| 1u64 << b));
        let mut x = 12345u64;
        for _ in 0..200 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push(x >> (x % 61));
        }
        v
    }

    #[test]
    fn short_hex_matches_the_general_path() {
        let mut specs: Vec<String> = vec!["%x".into(), "%X".into(), "%0x".into()];
        for w in 1..=9 {
            specs.extend([format!("%{w}x"), format!("%0{w}x"), format!("%0{w}X")]);
        }
        // Not shortcuts: the general path must still see them whole.
        specs.extend(
            [
                "%10x", "%010x", "%-8x", "%-08x", "%00x", "%lx", "%llx", "%08lx", "%.3x", "%08d",
            ]
            .map(String::from),
        );
        let mut checked = 0;
        for v in sample_values() {
            let args = [
                Arg::Uint(v, 8),
                Arg::Int(v as i64, 8),
                Arg::Uint(v & 0xff, 1),
                Arg::Int(-(v as i64), 4),
            ];
            for spec in &specs {
                for arg in args {
                    let f = format!("[{spec}] {spec}|");
                    let (fast, general) = both(&f, &[arg, arg, arg]);
                    assert_eq!(fast, general, "{f} with {arg:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000);
    }

    #[test]
    fn short_hex_agrees_with_rust() {
        // Against an independent formatter too: if both paths broke the
        // same way, the comparison above would not see it.
        for v in sample_values() {
            let v32 = v as u32;
            for w in 1..=9 {
                let arg = [Arg::Uint(v, 8)];
                assert_eq!(fmt(&format!("%0{w}x"), &arg), format!("{v32:0w$x}", w = w));
                assert_eq!(fmt(&format!("%{w}X"), &arg), format!("{v32:w$X}", w = w));
            }
            assert_eq!(fmt("%x", &[Arg::Uint(v, 4)]), format!("{v32:x}"));
        }
    }

    #[test]
    fn short_hex_leaves_a_missing_argument_to_the_general_path() {
        assert_eq!(fmt("%08x %08x", jos_args!(0x1000u32)), "00001000 (missing)");
        assert_eq!(
            both("%x%x%x", jos_args!(1u32, 2u32)),
            ("12(missing)".into(), "12(missing)".into())
        );
    }

    #[test]
    fn staging_flushes_long_output_whole() {
        // More than the 64-byte stage, with shortcuts landing across the
        // flush points.
        let f = "%08x.".repeat(40);
        let args: Vec<Arg> = (0..40u32)
            .map(|i| Arg::Uint(u64::from(i * 0x1111), 4))
            .collect();
        let expect: String = (0..40u32).map(|i| format!("{:08x}.", i * 0x1111)).collect();
        let (fast, general) = both(&f, &args);
        assert_eq!(fast, expect);
        assert_eq!(general, expect);
    }
}
