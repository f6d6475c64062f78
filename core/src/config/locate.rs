//! Reading single sections and values straight from configuration text, without building tables.
//!
//! Backends keep each device's *expanded* configuration as text and answer "does device d hold
//! section S" and "what is K in S" from it. An expansion can hold hundreds of derived sections, more
//! than a [`Config`](super::Config) with default capacities, so these helpers scan the text instead.
//! They apply the same line rules as the parser (headers, `#` comments, `=` split, whitespace removal,
//! one pair of quotes), and take the first occurrence of a section or key.

use super::parse::{Range, trim_bytes, unquote_bytes};
use super::text::{Text, is_blank};

/// One section of a text: its name and the bytes of its body (the lines after the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionText<'t> {
    /// The name between `[` and `]`.
    pub name: &'t str,
    /// The lines up to the next header.
    pub body: &'t [u8],
}

/// Every section of `text`, in order.
pub fn sections(text: &[u8]) -> impl Iterator<Item = SectionText<'_>> + '_ {
    let mut lines = Lines { text, at: 0 };
    let mut pending = None;
    core::iter::from_fn(move || {
        let (name, body_start) = match pending.take() {
            Some(header) => header,
            None => loop {
                let (start, end) = lines.next_line()?;
                if let Some(name) = header_name(text, start, end) {
                    break (name, end.saturating_add(1));
                }
            },
        };
        let mut body_end = text.len();
        while let Some((start, end)) = lines.next_line() {
            if let Some(next) = header_name(text, start, end) {
                pending = Some((next, end.saturating_add(1)));
                body_end = start;
                break;
            }
        }
        Some(SectionText {
            name,
            body: text
                .get(body_start.min(body_end)..body_end)
                .unwrap_or_default(),
        })
    })
}

/// The body of the first section named `name`.
pub fn section<'t>(text: &'t [u8], name: &str) -> Option<&'t [u8]> {
    sections(text).find(|s| s.name == name).map(|s| s.body)
}

/// The value of the first `key` in a section body.
pub fn value<'t>(body: &'t [u8], key: &str) -> Option<Text<'t>> {
    let mut lines = Lines { text: body, at: 0 };
    while let Some((start, end)) = lines.next_line() {
        let line = trim_bytes(body, Range { start, end });
        let bytes = body.get(line.start..line.end).unwrap_or_default();
        if bytes.first().is_none_or(|&b| b == b'#' || b == b'[') {
            continue;
        }
        let content_end =
            memchr::memchr(b'#', bytes).map_or(line.end, |p| line.start.saturating_add(p));
        let Some(eq) = body
            .get(line.start..content_end)
            .and_then(|b| memchr::memchr(b'=', b))
            .map(|p| line.start.saturating_add(p))
        else {
            continue;
        };
        let k = trim_bytes(
            body,
            Range {
                start: line.start,
                end: eq,
            },
        );
        let found = core::str::from_utf8(body.get(k.start..k.end).unwrap_or_default()).ok()?;
        if found.is_empty() || !Text::new(found).eq_str(key) {
            continue;
        }
        let v = unquote_bytes(
            body,
            trim_bytes(
                body,
                Range {
                    start: eq.saturating_add(1),
                    end: content_end,
                },
            ),
        );
        let raw = core::str::from_utf8(body.get(v.start..v.end).unwrap_or_default()).ok()?;
        return Some(Text::new(raw));
    }
    None
}

/// Splits text into `\n`-terminated lines, yielding `(start, end)` offsets.
struct Lines<'t> {
    text: &'t [u8],
    at: usize,
}

impl Lines<'_> {
    fn next_line(&mut self) -> Option<(usize, usize)> {
        if self.at > self.text.len() || (self.at == self.text.len() && self.at > 0) {
            return None;
        }
        let start = self.at;
        let end = self
            .text
            .get(start..)
            .and_then(|rest| memchr::memchr(b'\n', rest))
            .map_or(self.text.len(), |p| start.saturating_add(p));
        self.at = end.saturating_add(1);
        Some((start, end))
    }
}

/// The name of a header line `[Name]` (trimmed, without inner whitespace), if the line is one.
fn header_name(text: &[u8], start: usize, end: usize) -> Option<&str> {
    let line = text.get(start..end)?;
    let lead = line.iter().position(|&b| !is_blank(b))?;
    let rest = line.get(lead..)?;
    if rest.first() != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', rest)?;
    let inner = rest.get(1..close)?;
    let a = inner.iter().position(|&b| !is_blank(b))?;
    let b = inner.iter().rposition(|&b| !is_blank(b))?;
    core::str::from_utf8(inner.get(a..=b)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] =
        b"# expanded\n[GENERAL]\nServicesEnabled = \"cy\"\n\n[SSL]\nLimitDevAccess = 1\n\n\
[SSL_DEV0_INT_0]\nCy0Name = \"SSL 0\" # comment\nCy0BankNumber = 3\n[ empty ]\n";

    #[test]
    fn finds_sections_in_order() {
        let names: Vec<&str> = sections(TEXT).map(|s| s.name).collect();
        assert_eq!(names, ["GENERAL", "SSL", "SSL_DEV0_INT_0", "empty"]);
        assert_eq!(section(TEXT, "empty"), Some(&b""[..]));
        assert!(section(TEXT, "SSL_DEV0_INT_1").is_none());
    }

    #[test]
    fn reads_values_like_the_parser() {
        let body = section(TEXT, "SSL_DEV0_INT_0").expect("section");
        assert_eq!(value(body, "Cy0BankNumber").map(|t| t.raw()), Some("3"));
        assert_eq!(
            value(body, "Cy0Name").map(|t| t.compact().to_string()),
            Some("SSL0".to_string())
        );
        assert!(value(body, "Cy1Name").is_none());
        let general = section(TEXT, "GENERAL").expect("general");
        assert_eq!(
            value(general, "ServicesEnabled").map(|t| t.raw()),
            Some("cy")
        );
    }

    #[test]
    fn empty_and_odd_text() {
        assert_eq!(sections(b"").count(), 0);
        assert_eq!(sections(b"no header\n").count(), 0);
        assert_eq!(sections(b"[a]").count(), 1);
        assert!(value(b"=x\n", "").is_none());
        assert_eq!(value(b"# k = 1\nk = 2\n", "k").map(|t| t.raw()), Some("2"));
    }
}
