//! JOS error codes. System calls return them negated.

pub const E_UNSPECIFIED: i32 = 1;
pub const E_BAD_ENV: i32 = 2;
pub const E_INVAL: i32 = 3;
pub const E_NO_MEM: i32 = 4;
pub const E_NO_FREE_ENV: i32 = 5;
pub const E_FAULT: i32 = 6;
pub const E_IPC_NOT_RECV: i32 = 7;
pub const E_EOF: i32 = 8;
pub const E_NO_DISK: i32 = 9;
pub const E_MAX_OPEN: i32 = 10;
pub const E_NOT_FOUND: i32 = 11;
pub const E_BAD_PATH: i32 = 12;
pub const E_FILE_EXISTS: i32 = 13;
pub const E_NOT_EXEC: i32 = 14;
pub const E_NOT_SUPP: i32 = 15;

const MESSAGES: [&str; 16] = [
    "",
    "unspecified error",
    "bad environment",
    "invalid parameter",
    "out of memory",
    "out of environments",
    "segmentation fault",
    "env is not recving",
    "unexpected end of file",
    "no free space on disk",
    "too many files are open",
    "file or block not found",
    "invalid path",
    "file already exists",
    "file is not a valid executable",
    "operation not supported",
];

/// The message `%e` prints for error `code` (either sign), if it is known.
pub fn error_string(code: i32) -> Option<&'static str> {
    let n = code.unsigned_abs() as usize;
    if n == 0 || n >= MESSAGES.len() {
        None
    } else {
        Some(MESSAGES[n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(error_string(-E_NO_MEM), Some("out of memory"));
        assert_eq!(error_string(E_NOT_SUPP), Some("operation not supported"));
        assert_eq!(error_string(0), None);
        assert_eq!(error_string(16), None);
        assert_eq!(error_string(i32::MIN), None);
    }
}
