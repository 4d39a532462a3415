//! The kernel command line (QEMU `-append`, GRUB's `multiboot` line).
//!
//! Words are separated by spaces. The first word is the kernel's own path.
//! Recognised words:
//! * `autoexit`: end QEMU (through `isa-debug-exit`) instead of entering the
//!   monitor once there is nothing left to run; the grader uses this.
//! * `run=NAME[,NAME...]`: start these programs (embedded or modules) at boot.
//! * `nocheck`: skip the slow lab-2 self-checks.
//! * `kfault`: once traps are set up, read an unmapped kernel address on
//!   purpose, to show (and let the grader check) what a kernel page fault does.
//! * `kstackoverflow`: on the first trap from user mode, recurse in the
//!   kernel until the stack runs into its guard page, to show (and grade)
//!   the double-fault report.
//! * `bootstackoverflow`: the same from `i386_init`, on the boot CPU's stack
//!   before any env exists.

/// At most this many programs may be named with `run=`.
pub const MAX_RUN: usize = 16;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmdLine<'a> {
    pub autoexit: bool,
    pub nocheck: bool,
    pub kfault: bool,
    pub kstackoverflow: bool,
    pub bootstackoverflow: bool,
    run: [&'a str; MAX_RUN],
    nrun: usize,
}

impl<'a> CmdLine<'a> {
    /// No words at all.
    pub const EMPTY: CmdLine<'a> = CmdLine {
        autoexit: false,
        nocheck: false,
        kfault: false,
        kstackoverflow: false,
        bootstackoverflow: false,
        run: [""; MAX_RUN],
        nrun: 0,
    };

    /// Parses a command line; unknown words are ignored.
    pub fn parse(line: &'a str) -> CmdLine<'a> {
        let mut c = CmdLine::EMPTY;
        for word in line.split_ascii_whitespace() {
            match word {
                "autoexit" => c.autoexit = true,
                "nocheck" => c.nocheck = true,
                "kfault" => c.kfault = true,
                "kstackoverflow" => c.kstackoverflow = true,
                "bootstackoverflow" => c.bootstackoverflow = true,
                _ => {
                    if let Some(list) = word.strip_prefix("run=") {
                        for name in list.split(',').filter(|n| !n.is_empty()) {
                            if c.nrun < MAX_RUN {
                                c.run[c.nrun] = name;
                                c.nrun += 1;
                            }
                        }
                    }
                }
            }
        }
        c
    }

    /// The programs to start at boot, in order.
    pub fn programs(&self) -> &[&'a str] {
        &self.run[..self.nrun]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words() {
        let c = CmdLine::parse("/obj/kern/kernel autoexit run=hello,,divzero run=x");
        assert!(!c.kfault);
        assert!(CmdLine::parse("k kfault").kfault);
        assert!(!c.kstackoverflow);
        assert!(CmdLine::parse("k kstackoverflow").kstackoverflow);
        assert!(CmdLine::parse("k bootstackoverflow").bootstackoverflow);
        assert!(!CmdLine::parse("k bootstackoverflow").kstackoverflow);
        assert!(c.autoexit);
        assert!(!c.nocheck);
        assert_eq!(c.programs(), &["hello", "divzero", "x"]);
        assert_eq!(CmdLine::parse("").programs().len(), 0);
    }

    #[test]
    fn too_many_programs_are_dropped() {
        let line = "run=a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a";
        assert_eq!(CmdLine::parse(line).programs().len(), MAX_RUN);
    }
}
