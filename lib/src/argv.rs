//! Program arguments: the stack page `spawn` builds for a child (the ABI's
//! layout), the `Argv` a program reads back in `umain`, and JOS-style flag
//! parsing (`ls -lF`, `sh -x`). Pure logic, tested on the host.
//!
//! The child's first stack page, top down (addresses as the child sees
//! them, the page ending at `top`):
//! ```text
//! top ->  "init\0initarg1\0..."    the strings, packed
//!         argv[argc] = 0            argv[], 4-byte aligned
//!         argv[0..argc]             -> the strings
//!         argv                      -> argv[0]
//! esp ->  argc
//! ```

use inc::error::{E_INVAL, E_NO_MEM};

/// The most arguments a program takes.
pub const MAXARGS: usize = 32;

/// Fills `page` (the child's stack page, which it sees ending at `top`)
/// with `args` and returns the child's initial esp.
pub fn build_stack(args: &[&[u8]], page: &mut [u8], top: u32) -> Result<u32, i32> {
    if args.len() > MAXARGS {
        return Err(-E_INVAL);
    }
    let strings: usize = args.iter().map(|a| a.len() + 1).sum();
    let argv_words = args.len() + 1;
    let need = strings.next_multiple_of(4) + 4 * argv_words + 8;
    if need > page.len() {
        return Err(-E_NO_MEM);
    }
    let base = top - page.len() as u32; // the child's address of page[0]
    let mut str_off = page.len() - strings;
    let argv_off = (str_off & !3) - 4 * argv_words;
    for (i, arg) in args.iter().enumerate() {
        page[str_off..str_off + arg.len()].copy_from_slice(arg);
        page[str_off + arg.len()] = 0;
        put_word(page, argv_off + 4 * i, base + str_off as u32);
        str_off += arg.len() + 1;
    }
    put_word(page, argv_off + 4 * args.len(), 0);
    put_word(page, argv_off - 4, base + argv_off as u32);
    put_word(page, argv_off - 8, args.len() as u32);
    Ok(base + (argv_off - 8) as u32)
}

fn put_word(page: &mut [u8], off: usize, v: u32) {
    page[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// A program's arguments as byte strings.
pub struct Argv {
    list: [&'static [u8]; MAXARGS],
    len: usize,
}

impl Argv {
    /// Arguments from a list (the host tests' way in).
    pub fn from_list(args: &[&'static [u8]]) -> Argv {
        let mut argv = Argv {
            list: [b""; MAXARGS],
            len: args.len().min(MAXARGS),
        };
        argv.list[..argv.len].copy_from_slice(&args[..argv.len]);
        argv
    }

    /// The arguments `umain` got (at most MAXARGS are kept).
    ///
    /// # Safety
    /// `argv` must point to `argc` NUL-terminated strings that stay mapped
    /// and unchanged for the rest of the program (they live on its stack).
    pub unsafe fn from_raw(argc: i32, argv: *const *const u8) -> Argv {
        let mut out = Argv::from_list(&[]);
        if argv.is_null() {
            return out;
        }
        for i in 0..(argc.max(0) as usize).min(MAXARGS) {
            // SAFETY: the caller vouches for argc valid string pointers.
            out.list[i] = unsafe { cstr(*argv.add(i)) };
            out.len = i + 1;
        }
        out
    }

    pub fn as_slice(&self) -> &[&'static [u8]] {
        &self.list[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Argument `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&'static [u8]> {
        self.as_slice().get(i).copied()
    }
}

/// The NUL-terminated string at `p`.
///
/// # Safety
/// `p` must point to a NUL-terminated string that lives forever.
unsafe fn cstr(p: *const u8) -> &'static [u8] {
    let mut len = 0;
    // SAFETY: the caller promises a readable string up to its NUL.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: the `len` bytes before the NUL were just read.
    unsafe { core::slice::from_raw_parts(p, len) }
}

/// Single-letter flags (`-l`, `-lF`); `--` ends them, a lone `-` is an
/// operand.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Flags(u128);

impl Flags {
    pub fn has(self, flag: u8) -> bool {
        flag < 128 && self.0 & (1 << flag) != 0
    }
}

/// Splits `args` (without the program name) into flags and operands; the
/// flags must come first, as in JOS.
pub fn parse_flags<'a>(args: &'a [&'a [u8]]) -> (Flags, &'a [&'a [u8]]) {
    let mut flags = Flags(0);
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if a == b"--" {
            i += 1;
            break;
        }
        if a.len() < 2 || a[0] != b'-' {
            break;
        }
        for &c in &a[1..] {
            if c < 128 {
                flags.0 |= 1 << c;
            }
        }
        i += 1;
    }
    (flags, &args[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(page: &[u8], va: u32, base: u32) -> u32 {
        let off = (va - base) as usize;
        u32::from_le_bytes(page[off..off + 4].try_into().unwrap())
    }

    fn string(page: &[u8], va: u32, base: u32) -> Vec<u8> {
        let off = (va - base) as usize;
        page[off..]
            .iter()
            .take_while(|&&b| b != 0)
            .copied()
            .collect()
    }

    #[test]
    fn stack_holds_argc_argv_and_strings() {
        let top = 0xEEBF_E000;
        let base = top - 4096;
        let mut page = vec![0u8; 4096];
        let args: [&[u8]; 3] = [b"init", b"initarg1", b"initarg2"];
        let esp = build_stack(&args, &mut page, top).unwrap();
        assert_eq!(esp % 4, 0);
        assert_eq!(word(&page, esp, base), 3);
        let argv = word(&page, esp + 4, base);
        assert_eq!(argv, esp + 8, "argv[] sits right above the argv pointer");
        for (i, want) in args.iter().enumerate() {
            let p = word(&page, argv + 4 * i as u32, base);
            assert_eq!(string(&page, p, base), want.to_vec());
        }
        assert_eq!(word(&page, argv + 12, base), 0);
        // The strings end exactly at the top of the page.
        assert_eq!(&page[4096 - 9..], b"initarg2\0");
    }

    #[test]
    fn no_arguments_still_has_a_null_argv_end() {
        let mut page = vec![0u8; 4096];
        let esp = build_stack(&[], &mut page, 0x1000).unwrap();
        assert_eq!(word(&page, esp, 0), 0);
        let argv = word(&page, esp + 4, 0);
        assert_eq!(word(&page, argv, 0), 0);
    }

    #[test]
    fn too_much_does_not_fit() {
        let mut page = vec![0u8; 4096];
        let big = vec![b'x'; 4090];
        assert_eq!(build_stack(&[&big], &mut page, 0x1000), Err(-E_NO_MEM));
        let many: Vec<&[u8]> = (0..MAXARGS + 1).map(|_| &b"a"[..]).collect();
        assert_eq!(build_stack(&many, &mut page, 0x1000), Err(-E_INVAL));
    }

    #[test]
    fn raw_argv_reads_back() {
        let s0 = b"ls\0";
        let s1 = b"-l\0";
        let ptrs = [s0.as_ptr(), s1.as_ptr(), core::ptr::null()];
        // SAFETY: two NUL-terminated strings that outlive the test.
        let argv = unsafe { Argv::from_raw(2, ptrs.as_ptr()) };
        assert_eq!(argv.as_slice(), &[&b"ls"[..], &b"-l"[..]]);
        // SAFETY: a null argv is "no arguments".
        assert!(unsafe { Argv::from_raw(0, core::ptr::null()) }.is_empty());
    }

    #[test]
    fn flags_come_first() {
        let args: [&[u8]; 4] = [b"-lF", b"-x", b"dir", b"-q"];
        let (flags, rest) = parse_flags(&args);
        assert!(flags.has(b'l') && flags.has(b'F') && flags.has(b'x'));
        assert!(!flags.has(b'q'));
        assert_eq!(rest, &[&b"dir"[..], &b"-q"[..]]);
        let args: [&[u8]; 3] = [b"--", b"-l", b"-"];
        let (flags, rest) = parse_flags(&args);
        assert_eq!(flags, Flags(0));
        assert_eq!(rest.len(), 2);
        let args: [&[u8]; 1] = [b"-"];
        assert_eq!(parse_flags(&args).1.len(), 1);
    }
}
