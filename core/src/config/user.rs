//! [`UserSection`]: the process settings of a user section, read the one way every layer reads
//! them — validation, expansion, slot search and `qsal check`'s slot summary.
//!
//! * `NumProcesses` is read only by the kernel, decimal else hexadecimal (`0x2` is 2); anything else
//!   means 0 processes.
//! * `LimitDevAccess` is read as the kernel's slot search reads it, decimal with an optional `+`
//!   (`+1` is 1); anything else (`yes`, `-1`) means 0. Expansion would read hexadecimal as well,
//!   which is why validation refuses it: the two readings would disagree.

use super::keys;
use super::model::SectionRef;
use super::text::Text;
use crate::value::{kernel_decimal, kernel_number};

/// `NumProcesses` and `LimitDevAccess` of a user section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserSection {
    /// `NumProcesses`; 0 when absent or unreadable.
    pub processes: u32,
    /// `LimitDevAccess` non-zero; false when absent or unreadable.
    pub limit_dev_access: bool,
}

impl UserSection {
    /// Reads the settings through `value`, which gives the (compacted) value of a key.
    pub fn read<'t>(value: impl Fn(&str) -> Option<Text<'t>>) -> Self {
        Self {
            processes: value(keys::NUM_PROCESSES)
                .and_then(|v| kernel_number(&v.compact()))
                .unwrap_or(0),
            limit_dev_access: Self::read_limit_dev_access(&value),
        }
    }

    /// Reads `LimitDevAccess` alone (what the slot search needs for every device: one lookup,
    /// not two), the same way [`UserSection::read`] reads it.
    pub fn read_limit_dev_access<'t>(value: impl Fn(&str) -> Option<Text<'t>>) -> bool {
        value(keys::LIMIT_DEV_ACCESS)
            .and_then(|v| kernel_decimal(&v.compact()))
            .unwrap_or(0)
            != 0
    }

    /// Reads the settings of a parsed section.
    pub fn of(section: &SectionRef<'_, '_>) -> Self {
        Self::read(|key| section.value(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(processes: &str, limit: &str) -> UserSection {
        UserSection::read(|key| match key {
            keys::NUM_PROCESSES => Some(Text::new(processes)),
            keys::LIMIT_DEV_ACCESS => Some(Text::new(limit)),
            _ => None,
        })
    }

    #[test]
    fn the_kernel_readings() {
        assert_eq!(
            read("0x2", "+1"),
            UserSection {
                processes: 2,
                limit_dev_access: true
            }
        );
        assert_eq!(read("two", "yes"), UserSection::default());
        assert!(!read("8", "-1").limit_dev_access);
        assert_eq!(
            read("1a", "0x1"),
            UserSection {
                processes: 26,
                limit_dev_access: false
            }
        );
    }
}
