//! sh: the shell. `sh [-x] [-i] [script]`: reads commands from the
//! script, or from fd 0 (with a `$ ` prompt, line editing and history when
//! that is the console). The language (lib/src/shparse.rs): `cmd args`,
//! `<file`, `>file`, `a | b`, `a ; b`, `a &`, '..' and ".." quoting.
//! `-x` echoes each line as `# line` before running it. `exit` leaves.
//!
//! Each job runs in a forked child, so redirections never touch the
//! shell's own fds; the shell waits for it unless it ended with `&`.
#![no_std]
#![no_main]

use inc::env::EnvId;
use inc::fs::{O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY};
use jos::argv::parse_flags;
use jos::lineedit::LINE_MAX;
use jos::readline::{editor, read_line, readline};
use jos::shparse::{check, commands, jobs, tokenize, Command, Job, Token, MAXCMDS};
use jos::{close, close_all, dup, fork, iscons, open, panic, pipe, printf, spawn, wait};

#[no_mangle]
pub extern "C" fn umain(_argc: i32, _argv: *const *const u8) {
    let args = jos::args();
    let all = args.as_slice();
    let (flags, rest) = parse_flags(all.get(1..).unwrap_or(&[]));
    let echo = flags.has(b'x');
    if let Some(script) = rest.first() {
        let _ = close(0);
        match open(script, O_RDONLY) {
            Ok(0) => {}
            Ok(fd) => panic!("sh: open %s gave fd %d, not 0", *script, fd),
            Err(e) => panic!("sh: open %s: %e", *script, e),
        }
    }
    let interactive = flags.has(b'i') || (rest.is_empty() && iscons(0));
    // SAFETY: the one call in this program.
    let ed = unsafe { editor() };
    let mut buf = [0u8; LINE_MAX];
    loop {
        let len = if interactive {
            match readline(b"$ ", ed) {
                Some(line) => {
                    buf[..line.len()].copy_from_slice(line);
                    line.len()
                }
                None => break,
            }
        } else {
            match read_line(0, &mut buf) {
                Some(n) => n,
                None => break,
            }
        };
        if echo {
            printf!("# %s\n", &buf[..len]);
        }
        if run_line(&mut buf[..len]) == Flow::Exit {
            break;
        }
    }
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

fn run_line(line: &mut [u8]) -> Flow {
    let toks = match tokenize(line) {
        Ok(t) => t,
        Err(e) => {
            printf!("sh: syntax error: %s\n", e);
            return Flow::Continue;
        }
    };
    let line = &*line;
    if let Err(e) = check(line, toks.as_slice()) {
        printf!("sh: syntax error: %s\n", e);
        return Flow::Continue;
    }
    for job in jobs(toks.as_slice()) {
        if is_exit(line, &job) {
            return Flow::Exit;
        }
        match fork() {
            Ok(0) => run_job(line, &job),
            Ok(child) if !job.background => wait(child),
            Ok(_) => {}
            Err(e) => {
                printf!("sh: fork: %e\n", e);
            }
        }
    }
    Flow::Continue
}

fn is_exit(line: &[u8], job: &Job) -> bool {
    commands(job).count() == 1
        && Command::parse(line, job.tokens).is_ok_and(|c| c.argv() == [b"exit"])
}

/// In the job's child: one env per command of the pipeline, each with its
/// stdin from the pipe on its left and its stdout to the pipe on its right.
fn run_job(line: &[u8], job: &Job) -> ! {
    let mut cmds: [&[Token]; MAXCMDS] = [&[]; MAXCMDS];
    let mut n = 0;
    for c in commands(job) {
        cmds[n] = c;
        n += 1;
    }
    let mut i = 0;
    let mut right: Option<EnvId> = None;
    while i + 1 < n {
        let p = pipe().unwrap_or_else(|e| panic!("sh: pipe: %e", e));
        match fork() {
            Ok(0) => {
                // The next command: reads the pipe.
                move_fd(p[0], 0);
                let _ = close(p[1]);
                i += 1;
            }
            Ok(id) => {
                move_fd(p[1], 1);
                let _ = close(p[0]);
                right = Some(id);
                break;
            }
            Err(e) => panic!("sh: fork: %e", e),
        }
    }
    run_command(line, cmds[i]);
    if let Some(r) = right {
        wait(r);
    }
    jos::exit()
}

/// Makes `fd` the fd numbered `to` (closing `fd`).
fn move_fd(fd: i32, to: i32) {
    if fd != to {
        if let Err(e) = dup(fd, to) {
            panic!("sh: dup: %e", e);
        }
        let _ = close(fd);
    }
}

/// Sets up the redirections, spawns the program, lets go of every fd (so
/// pipe ends close) and waits for it.
fn run_command(line: &[u8], tokens: &[Token]) {
    let Ok(cmd) = Command::parse(line, tokens) else {
        return; // checked before anything ran
    };
    if let Some(file) = cmd.input {
        match open(file, O_RDONLY) {
            Ok(fd) => move_fd(fd, 0),
            Err(e) => {
                printf!("sh: open %s for reading: %e\n", file, e);
                return;
            }
        }
    }
    if let Some(file) = cmd.output {
        match open(file, O_WRONLY | O_CREAT | O_TRUNC) {
            Ok(fd) => move_fd(fd, 1),
            Err(e) => {
                printf!("sh: open %s for writing: %e\n", file, e);
                return;
            }
        }
    }
    let argv = cmd.argv();
    let mut path = [0u8; 130];
    let prog = absolute(argv[0], &mut path);
    let child = spawn(prog, argv);
    if let Err(e) = child {
        printf!("sh: spawn %s: %e\n", argv[0], e);
    }
    close_all();
    if let Ok(c) = child {
        wait(c);
    }
}

/// `name` with a leading `/`, as the file server wants paths.
fn absolute<'a>(name: &'a [u8], buf: &'a mut [u8]) -> &'a [u8] {
    if name.first() == Some(&b'/') || name.len() + 1 > buf.len() {
        return name;
    }
    buf[0] = b'/';
    buf[1..=name.len()].copy_from_slice(name);
    &buf[..=name.len()]
}
