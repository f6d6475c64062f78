//! [`SectionIndex`]: the core's index of an expanded text's sections, held in a `Vec` of the size
//! the core asks for, so it is complete (for any text under 4 GiB, which the core indexes).

use qsal_core::config::expanded::{self, Expanded, SectionSpan};
use qsal_core::profile::DeviceProfile;

/// The index of one text's sections (see [`expanded::index`]).
#[derive(Clone, Debug, Default)]
pub struct SectionIndex {
    spans: Vec<SectionSpan>,
    complete: bool,
}

impl SectionIndex {
    /// Indexes every section of `text`.
    pub fn of(text: &[u8]) -> Self {
        let mut spans = vec![SectionSpan::default(); expanded::index_len(text)];
        let complete = expanded::index(text, &mut spans).complete;
        Self { spans, complete }
    }

    /// The core's view of `text` (the text this index was built from) for a device with
    /// `profile`.
    pub fn view<'a>(&'a self, text: &'a [u8], profile: DeviceProfile) -> Expanded<'a> {
        Expanded::new(text, &self.spans, self.complete, profile)
    }
}
