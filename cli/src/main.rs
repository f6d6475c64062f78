//! The `qsal` command.
fn main() {}
