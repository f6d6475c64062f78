//! [`SectionIndex`]: the core's index of an expanded text's sections, held in a `Vec` sized to
//! the text's sections, so it is complete (for any text under 4 GiB, which the core indexes).

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
        let mut spans = vec![SectionSpan::default(); expanded::sections_in(text)];
        let built = expanded::index(text, &mut spans);
        spans.truncate(built.len);
        Self {
            spans,
            complete: built.complete,
        }
    }

    /// The core's view of `text` (the text this index was built from) for a device with
    /// `profile`.
    pub fn view<'a>(&'a self, text: &'a [u8], profile: DeviceProfile) -> Expanded<'a> {
        Expanded::new(text, &self.spans, self.complete, profile)
    }
}
