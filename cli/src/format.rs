//! `--format`: how a command prints its result. Each command's help says what its JSON holds.

/// How a command prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: text and tables.
    Text,
    /// For programs: JSON, as the command's help describes.
    Json,
}
