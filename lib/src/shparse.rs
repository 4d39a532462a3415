//! The shell's command language, parsed without running anything (pure
//! logic, tested on the host):
//!
//! ```text
//! line     := job ((';' | '&') job)*     '&' runs the job before it in the background
//! job      := command ('|' command)*
//! command  := (word | '<' word | '>' word)+
//! word     := chars, 'single quoted', "double quoted" (\" and \\ inside), \c
//! ```
//! `#` at the start of a word comments out the rest of the line.
//!
//! [`tokenize`] rewrites the line in place (quotes and backslashes are
//! removed, which only ever shortens a word), so every word is a slice of
//! the line buffer and nothing needs a heap.

/// Most tokens a line may have, commands in a job, and words in a command.
pub const MAXTOKENS: usize = 64;
pub const MAXCMDS: usize = 8;
pub const MAXWORDS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// `<`
    In,
    /// `>`
    Out,
    /// `|`
    Pipe,
    /// `;`
    Seq,
    /// `&`
    Background,
}

/// One token; a word's bytes are `line[start..start + len]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: u16,
    pub len: u16,
}

/// What is wrong with a line, in words the shell prints.
pub type ParseError = &'static str;

/// The tokens of one line.
pub struct Tokens {
    list: [Token; MAXTOKENS],
    n: usize,
}

impl Tokens {
    pub fn as_slice(&self) -> &[Token] {
        &self.list[..self.n]
    }

    fn push(&mut self, t: Token) -> Result<(), ParseError> {
        if self.n == MAXTOKENS {
            return Err("too many words");
        }
        self.list[self.n] = t;
        self.n += 1;
        Ok(())
    }
}

fn symbol(c: u8) -> Option<Kind> {
    Some(match c {
        b'<' => Kind::In,
        b'>' => Kind::Out,
        b'|' => Kind::Pipe,
        b';' => Kind::Seq,
        b'&' => Kind::Background,
        _ => return None,
    })
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits `line` into tokens, unquoting words in place.
pub fn tokenize(line: &mut [u8]) -> Result<Tokens, ParseError> {
    let mut toks = Tokens {
        list: [Token {
            kind: Kind::Word,
            start: 0,
            len: 0,
        }; MAXTOKENS],
        n: 0,
    };
    if line.len() > u16::MAX as usize {
        return Err("line too long");
    }
    let (mut i, mut o) = (0, 0);
    while i < line.len() {
        let c = line[i];
        if is_space(c) {
            i += 1;
        } else if c == b'#' {
            break;
        } else if let Some(kind) = symbol(c) {
            toks.push(Token {
                kind,
                start: o as u16,
                len: 0,
            })?;
            i += 1;
        } else {
            let start = o;
            (i, o) = word(line, i, o)?;
            toks.push(Token {
                kind: Kind::Word,
                start: start as u16,
                len: (o - start) as u16,
            })?;
        }
    }
    Ok(toks)
}

/// Copies the word at `line[i..]` to `line[o..]` without its quotes;
/// returns where reading and writing stopped.
fn word(line: &mut [u8], mut i: usize, mut o: usize) -> Result<(usize, usize), ParseError> {
    while i < line.len() && !is_space(line[i]) && symbol(line[i]).is_none() {
        match line[i] {
            b'\'' => {
                i += 1;
                while i < line.len() && line[i] != b'\'' {
                    line[o] = line[i];
                    (i, o) = (i + 1, o + 1);
                }
                if i == line.len() {
                    return Err("unmatched '");
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() && matches!(line[i + 1], b'"' | b'\\')
                    {
                        i += 1;
                    }
                    line[o] = line[i];
                    (i, o) = (i + 1, o + 1);
                }
                if i == line.len() {
                    return Err("unmatched \"");
                }
                i += 1;
            }
            b'\\' if i + 1 < line.len() => {
                line[o] = line[i + 1];
                (i, o) = (i + 2, o + 1);
            }
            c => {
                line[o] = c;
                (i, o) = (i + 1, o + 1);
            }
        }
    }
    Ok((i, o))
}

/// One job: the tokens between separators, and whether it runs in the
/// background.
#[derive(Clone, Copy, Debug)]
pub struct Job<'t> {
    pub tokens: &'t [Token],
    pub background: bool,
}

/// The non-empty jobs of a line, in order.
pub fn jobs(tokens: &[Token]) -> impl Iterator<Item = Job<'_>> {
    tokens
        .split_inclusive(|t| matches!(t.kind, Kind::Seq | Kind::Background))
        .map(|part| match part.last() {
            Some(t) if t.kind == Kind::Seq => Job {
                tokens: &part[..part.len() - 1],
                background: false,
            },
            Some(t) if t.kind == Kind::Background => Job {
                tokens: &part[..part.len() - 1],
                background: true,
            },
            _ => Job {
                tokens: part,
                background: false,
            },
        })
        .filter(|job| !job.tokens.is_empty())
}

/// The commands of a job (split at `|`).
pub fn commands<'t>(job: &Job<'t>) -> impl Iterator<Item = &'t [Token]> {
    job.tokens.split(|t| t.kind == Kind::Pipe)
}

/// One command: its words and redirections.
pub struct Command<'a> {
    argv: [&'a [u8]; MAXWORDS],
    argc: usize,
    pub input: Option<&'a [u8]>,
    pub output: Option<&'a [u8]>,
}

impl<'a> Command<'a> {
    /// The command `tokens` describe, with words from `line` (as rewritten
    /// by `tokenize`).
    pub fn parse(line: &'a [u8], tokens: &[Token]) -> Result<Command<'a>, ParseError> {
        let mut cmd = Command {
            argv: [b""; MAXWORDS],
            argc: 0,
            input: None,
            output: None,
        };
        let text = |t: &Token| &line[t.start as usize..(t.start + t.len) as usize];
        let mut it = tokens.iter();
        while let Some(t) = it.next() {
            match t.kind {
                Kind::Word => {
                    if cmd.argc == MAXWORDS {
                        return Err("too many arguments");
                    }
                    cmd.argv[cmd.argc] = text(t);
                    cmd.argc += 1;
                }
                Kind::In | Kind::Out => {
                    let file = match it.next() {
                        Some(w) if w.kind == Kind::Word => text(w),
                        _ => return Err("< or > must be followed by a file name"),
                    };
                    if t.kind == Kind::In {
                        cmd.input = Some(file);
                    } else {
                        cmd.output = Some(file);
                    }
                }
                _ => return Err("unexpected | ; or &"),
            }
        }
        if cmd.argc == 0 {
            return Err("missing command");
        }
        Ok(cmd)
    }

    pub fn argv(&self) -> &[&'a [u8]] {
        &self.argv[..self.argc]
    }
}

/// Checks every command of the line, so that nothing runs from a line
/// with an error in it.
pub fn check(line: &[u8], tokens: &[Token]) -> Result<(), ParseError> {
    for job in jobs(tokens) {
        if commands(&job).count() > MAXCMDS {
            return Err("too many commands in a pipeline");
        }
        for cmd in commands(&job) {
            Command::parse(line, cmd)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of a line's commands, job by job: `[[["echo", "hi"]]]`.
    fn parse(text: &str) -> Result<Vec<(Vec<Vec<String>>, bool)>, ParseError> {
        let mut line = text.as_bytes().to_vec();
        let toks = tokenize(&mut line)?;
        check(&line, toks.as_slice())?;
        Ok(jobs(toks.as_slice())
            .map(|job| {
                let cmds = commands(&job)
                    .map(|c| {
                        let cmd = Command::parse(&line, c).unwrap();
                        let mut words: Vec<String> = cmd
                            .argv()
                            .iter()
                            .map(|w| String::from_utf8_lossy(w).into_owned())
                            .collect();
                        if let Some(f) = cmd.input {
                            words.push(format!("<{}", String::from_utf8_lossy(f)));
                        }
                        if let Some(f) = cmd.output {
                            words.push(format!(">{}", String::from_utf8_lossy(f)));
                        }
                        words
                    })
                    .collect();
                (cmds, job.background)
            })
            .collect())
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pipelines_and_redirections() {
        let got = parse("cat <lorem | num|num >out").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].0,
            vec![
                words(&["cat", "<lorem"]),
                words(&["num"]),
                words(&["num", ">out"])
            ]
        );
        assert!(!got[0].1);
    }

    #[test]
    fn sequences_and_background_jobs() {
        let got = parse("echo a; echo b & ls -l ;").unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].0[0].clone(), got[0].1),
            (words(&["echo", "a"]), false)
        );
        assert_eq!(
            (got[1].0[0].clone(), got[1].1),
            (words(&["echo", "b"]), true)
        );
        assert_eq!(
            (got[2].0[0].clone(), got[2].1),
            (words(&["ls", "-l"]), false)
        );
        assert!(parse("   ").unwrap().is_empty());
        assert!(parse("# only a comment").unwrap().is_empty());
    }

    #[test]
    fn quotes_keep_spaces_and_symbols() {
        let got = parse(r#"echo 'a | b' "c;d" e\ f "say \"hi\"" '' x'y'z"#).unwrap();
        assert_eq!(
            got[0].0[0],
            words(&["echo", "a | b", "c;d", "e f", "say \"hi\"", "", "xyz"])
        );
        assert_eq!(parse("echo 'oops"), Err("unmatched '"));
        assert_eq!(parse("echo \"oops"), Err("unmatched \""));
    }

    #[test]
    fn errors_are_found_before_anything_runs() {
        assert_eq!(
            parse("cat <"),
            Err("< or > must be followed by a file name")
        );
        assert_eq!(
            parse("cat > | num"),
            Err("< or > must be followed by a file name")
        );
        assert_eq!(parse("| num"), Err("missing command"));
        assert_eq!(parse("ls ||"), Err("missing command"));
        let many = "a ".repeat(MAXWORDS + 1);
        assert_eq!(parse(&many), Err("too many arguments"));
        let long = "x|".repeat(MAXCMDS) + "x";
        assert_eq!(parse(&long), Err("too many commands in a pipeline"));
    }
}
