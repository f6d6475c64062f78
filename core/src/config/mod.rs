//! Configuration files: the text type, the parsed model, the parser and the names of known keys.
//!
//! ```
//! use qsal_core::{Config, diag::Counter};
//!
//! let text = b"[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n[SSL]\nNumProcesses = 2\n";
//! let mut counter = Counter::default();
//! let config: Config<'_> = Config::parse(text, &mut counter);
//! assert_eq!(counter.errors, 0);
//! let ssl = config.section("SSL").unwrap();
//! assert_eq!(ssl.value("NumProcesses").unwrap().raw(), "2");
//! ```

pub mod expanded;
pub mod keys;
mod lex;
pub mod lint;
pub mod locate;
mod model;
mod parse;
mod text;
pub mod user;

pub use keys::{Family, SectionKind};
pub use model::{Config, Entry, Section, SectionRef};
pub use text::{Compact, Text, name_hash};

#[cfg(test)]
mod tests;
