//! [`RingTable`]: the ring pairs of every instance section of a device file, kept from the
//! verification that reads them when the file is loaded, so that a start looks its section's
//! pairs up instead of reading a dozen keys of its text again.

use qsal_core::config::expanded::{Expanded, ExpandedError, verify_with};
use qsal_core::ring::RingSpec;

/// The ring pairs of each kernel and derived section of one verified expansion, by the offset of
/// the section's body in the text (so two sections of one name are told apart).
#[derive(Clone, Debug, Default)]
pub struct RingTable {
    /// Each section that has pairs: its body's offset and where its pairs are in `specs`, in
    /// file order (so by offset).
    sections: Vec<(usize, usize, usize)>,
    /// Every pair, section after section.
    specs: Vec<RingSpec>,
}

impl RingTable {
    /// Verifies `expanded` ([`verify_with`]) and keeps the ring pairs it read.
    pub fn verified(expanded: &Expanded<'_>) -> Result<Self, Box<ExpandedError>> {
        let mut table = Self::default();
        verify_with(expanded, |section, spec| {
            let at = table.specs.len();
            table.specs.push(spec);
            match table.sections.last_mut() {
                Some((body_at, _, end)) if *body_at == section.body_at => *end = at + 1,
                _ => table.sections.push((section.body_at, at, at + 1)),
            }
        })?;
        Ok(table)
    }

    /// The ring pairs of the section whose body is at offset `body_at` of the text, when it is a
    /// kernel or derived section with instances (`None` for any other section: its pairs, if it
    /// has any, are read from its text).
    pub fn of(&self, body_at: usize) -> Option<&[RingSpec]> {
        let found = self
            .sections
            .binary_search_by_key(&body_at, |&(at, _, _)| at)
            .ok()?;
        let &(_, start, end) = self.sections.get(found)?;
        self.specs.get(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsal_core::DeviceType;
    use qsal_core::ring::ring_specs;

    /// Two derived sections, the first written twice with other rings (the first counts), and a
    /// user section (not verified, not kept).
    const TEXT: &str = "[GENERAL]\nServicesEnabled = cy\n[SSL]\nLimitDevAccess = 0\n\
[SSL_INT_0]\nNumberCyInstances = 1\nCy0BankNumber = 0\nCy0RingAsymTx = 0\nCy0RingAsymRx = 8\n\
Cy0NumConcurrentAsymRequests = 64\n\
[SSL_INT_1]\nNumberCyInstances = 1\nCy0BankNumber = 1\nCy0RingSymTx = 2\nCy0RingSymRx = 10\n\
Cy0NumConcurrentSymRequests = 512\n\
[SSL_INT_0]\nNumberCyInstances = 1\nCy0BankNumber = 2\nCy0RingAsymTx = 1\nCy0RingAsymRx = 9\n\
Cy0NumConcurrentAsymRequests = 64\n";

    #[test]
    fn keeps_what_reading_each_section_gives() {
        let profile = DeviceType::C6xx.profile();
        let expanded = Expanded::unindexed(TEXT.as_bytes(), profile);
        let table = RingTable::verified(&expanded).expect("valid");
        for name in ["SSL_INT_0", "SSL_INT_1"] {
            let mut read = Vec::new();
            let (at, body) = expanded.section_at(name).expect("section");
            ring_specs(body, &profile, |s| read.push(s)).expect("rings");
            assert_eq!(table.of(at), Some(read.as_slice()), "{name}");
        }
        let second = expanded
            .sections()
            .filter(|s| s.name.eq_str("SSL_INT_0"))
            .nth(1)
            .expect("the second [SSL_INT_0]");
        assert_eq!(table.of(second.body_at).map(|s| s[0].bank), Some(2));
        let (user, _) = expanded.section_at("SSL").expect("[SSL]");
        assert_eq!(table.of(user), None, "a user section is not kept");
        assert_eq!(table.of(user + 1), None);
    }

    #[test]
    fn a_file_that_fails_verification_gives_no_table() {
        let bad = TEXT.replace("Cy0RingSymRx = 10", "Cy0RingSymRx = 99");
        let expanded = Expanded::unindexed(bad.as_bytes(), DeviceType::C6xx.profile());
        let error = RingTable::verified(&expanded).expect_err("ring outside the bank");
        assert!(error.to_string().contains("Cy0RingSymRx"), "{error}");
    }
}
