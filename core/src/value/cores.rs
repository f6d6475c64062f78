//! Core-affinity lists: `N`, `N-M` and comma-separated lists of those (`0,2,4-7`).
//!
//! The driver gives process `p` the core `list[p mod len(list)]`; [`CoreList::core_for_process`]
//! computes it without materialising the list.

use core::fmt;

use super::number::parse_decimal;
use crate::limits::{MAX_CORE_NUMBER, MAX_CORES_IN_LIST};

/// Why a core-affinity value is not a valid core list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreListError {
    /// An element of the list is empty (`1,,2`, a leading or a trailing comma).
    EmptyElement,
    /// An element is not a decimal core number or range.
    NotANumber,
    /// A range runs backwards (`7-4`).
    ReversedRange {
        /// First core of the range.
        start: u32,
        /// Last core of the range.
        end: u32,
    },
    /// A core number is above [`MAX_CORE_NUMBER`].
    CoreTooLarge {
        /// The offending core number.
        core: u32,
    },
    /// The list names more than [`MAX_CORES_IN_LIST`] cores.
    TooManyCores,
}

impl fmt::Display for CoreListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyElement => f.write_str("an element of the list is empty"),
            Self::NotANumber => f.write_str("an element is neither a core number nor a range N-M"),
            Self::ReversedRange { start, end } => {
                write!(f, "the range {start}-{end} runs backwards")
            }
            Self::CoreTooLarge { core } => {
                write!(
                    f,
                    "core {core} is above the highest supported core {MAX_CORE_NUMBER}"
                )
            }
            Self::TooManyCores => {
                write!(f, "the list names more than {MAX_CORES_IN_LIST} cores")
            }
        }
    }
}

/// A validated core list, borrowed from the configuration text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreList<'a> {
    text: &'a str,
    len: u32,
}

impl<'a> CoreList<'a> {
    /// Parses and validates a core list.
    pub fn parse(text: &'a str) -> Result<Self, CoreListError> {
        let mut len: u32 = 0;
        for element in text.split(',') {
            let (start, end) = parse_element(element)?;
            let count = end.saturating_sub(start).saturating_add(1);
            len = len.saturating_add(count);
            if len > MAX_CORES_IN_LIST {
                return Err(CoreListError::TooManyCores);
            }
        }
        Ok(Self { text, len })
    }

    /// How many cores the list names (ranges expanded, duplicates counted).
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the list is empty (never true for a parsed list).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The core the driver assigns to process `process`: element `process mod len`.
    pub fn core_for_process(&self, process: u32) -> u32 {
        let mut index = process.checked_rem(self.len).unwrap_or(0);
        for element in self.text.split(',') {
            if let Ok((start, end)) = parse_element(element) {
                let count = end.saturating_sub(start).saturating_add(1);
                if index < count {
                    return start.saturating_add(index);
                }
                index = index.saturating_sub(count);
            }
        }
        0
    }
}

fn parse_element(element: &str) -> Result<(u32, u32), CoreListError> {
    if element.is_empty() {
        return Err(CoreListError::EmptyElement);
    }
    let (start, end) = match element.split_once('-') {
        Some((a, b)) => (parse_core(a)?, parse_core(b)?),
        None => {
            let core = parse_core(element)?;
            (core, core)
        }
    };
    if start > end {
        return Err(CoreListError::ReversedRange { start, end });
    }
    Ok((start, end))
}

fn parse_core(text: &str) -> Result<u32, CoreListError> {
    let core = parse_decimal(text).map_err(|_| CoreListError::NotANumber)?;
    if core > MAX_CORE_NUMBER {
        return Err(CoreListError::CoreTooLarge { core });
    }
    Ok(core)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_forms() {
        assert_eq!(CoreList::parse("3").map(|c| c.len()), Ok(1));
        assert_eq!(CoreList::parse("0-3").map(|c| c.len()), Ok(4));
        assert_eq!(CoreList::parse("0,2,4-7").map(|c| c.len()), Ok(6));
    }

    #[test]
    fn picks_process_mod_len() {
        let list = CoreList::parse("0,2,4-7").expect("valid");
        let picked: [u32; 8] = core::array::from_fn(|p| list.core_for_process(p as u32));
        assert_eq!(picked, [0, 2, 4, 5, 6, 7, 0, 2]);
    }

    #[test]
    fn rejects_malformed_lists() {
        assert_eq!(CoreList::parse(""), Err(CoreListError::EmptyElement));
        assert_eq!(CoreList::parse("1,,2"), Err(CoreListError::EmptyElement));
        assert_eq!(CoreList::parse("1,"), Err(CoreListError::EmptyElement));
        assert_eq!(CoreList::parse("a"), Err(CoreListError::NotANumber));
        assert_eq!(CoreList::parse("1-"), Err(CoreListError::NotANumber));
        assert_eq!(CoreList::parse("1-2-3"), Err(CoreListError::NotANumber));
        assert_eq!(
            CoreList::parse("7-4"),
            Err(CoreListError::ReversedRange { start: 7, end: 4 })
        );
        assert_eq!(
            CoreList::parse("70000"),
            Err(CoreListError::CoreTooLarge { core: 70000 })
        );
        assert_eq!(CoreList::parse("0-65535"), Err(CoreListError::TooManyCores));
    }
}
