//! Reading what a command the tests ran printed: its bytes as text, a run that must succeed, the
//! first line of a command still running.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Output};

/// Output bytes as text (invalid UTF-8 shown as replacement characters).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The standard output of a run that must have exited with 0; fails the test with both streams
/// otherwise.
pub fn succeeded(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The first line a running command writes to its piped standard output (with its newline); the
/// rest of the stream is dropped, so the command must not write more than a pipe holds.
pub fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("a line");
    line
}
