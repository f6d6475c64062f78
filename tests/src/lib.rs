//! Shared helpers of qsal's integration tests: where the corpus is, and how to run the CLI.
