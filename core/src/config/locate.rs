//! Reading sections and values straight from configuration text, without building tables.
//!
//! Backends keep each device's *expanded* configuration as text. An expansion can hold hundreds of
//! derived sections, more than a [`Config`](super::Config) with default capacities, so these
//! functions scan the text instead, line by line through the `lex` module — the same grammar the parser
//! reads — and take the first occurrence of a section or key. Positions are byte offsets into the
//! text, never pointers.

use super::lex::{self, Line, Range};
use super::text::{Text, is_blank, same_name};

/// One section of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionText<'t> {
    /// The name between `[` and `]` (inner whitespace is removed on demand, as everywhere).
    pub name: Text<'t>,
    /// Byte offset of the name in the text.
    pub name_at: usize,
    /// The lines up to the next header.
    pub body: &'t [u8],
    /// Byte offset of the body in the text.
    pub body_at: usize,
    /// 1-based line of the header.
    pub line: u32,
}

/// One `key = value` line of a section body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyText<'t> {
    /// The key.
    pub key: Text<'t>,
    /// The value, unquoted.
    pub value: Text<'t>,
    /// Byte offset of the key in the body.
    pub key_at: usize,
}

fn text_of(input: &[u8], range: Range) -> Option<Text<'_>> {
    core::str::from_utf8(range.of(input)).ok().map(Text::new)
}

/// Every section of `text` whose header is well-formed, in order.
pub fn sections(text: &[u8]) -> impl Iterator<Item = SectionText<'_>> + '_ {
    let mut lines = lex::lines(text).zip(1u32..);
    let mut pending: Option<(Range, usize, u32)> = None;
    core::iter::from_fn(move || {
        let (name, body_at, line) = match pending.take() {
            Some(header) => header,
            None => loop {
                let ((range, _), number) = lines.next()?;
                if let Some(name) = header_name(text, range) {
                    break (name, range.end.saturating_add(1), number);
                }
            },
        };
        let mut body_end = text.len();
        for ((range, _), number) in lines.by_ref() {
            if let Some(next) = header_name(text, range) {
                pending = Some((next, range.end.saturating_add(1), number));
                body_end = range.start;
                break;
            }
        }
        let body_at = body_at.min(body_end);
        Some(SectionText {
            name: text_of(text, name).unwrap_or(Text::new("")),
            name_at: name.start,
            body: text.get(body_at..body_end).unwrap_or_default(),
            body_at,
            line,
        })
    })
}

/// The name of a well-formed header line. Only a line whose first byte after its indent is `[`
/// can be one (as [`lex::lex`] decides), so no other line is lexed.
fn header_name(text: &[u8], line: Range) -> Option<Range> {
    let bytes = line.of(text);
    if bytes.get(lex::indent(bytes)) != Some(&b'[') {
        return None;
    }
    match lex::lex(text, line) {
        Line::Header {
            name: Some(name), ..
        } if !name.is_empty() => Some(name),
        _ => None,
    }
}

/// The body of the first section named `name`.
pub fn section<'t>(text: &'t [u8], name: &str) -> Option<&'t [u8]> {
    first_section(text, name).map(|s| s.body)
}

/// The first section named `name`.
pub fn first_section<'t>(text: &'t [u8], name: &str) -> Option<SectionText<'t>> {
    sections(text).find(|s| s.name.eq_str(name))
}

/// Every `key = value` line of a section body, in order.
pub fn keys(body: &[u8]) -> impl Iterator<Item = KeyText<'_>> + '_ {
    lex::lines(body).filter_map(move |(line, _)| match lex::lex(body, line) {
        Line::KeyValue { key, value, .. } if !key.is_empty() => Some(KeyText {
            key: text_of(body, key)?,
            value: text_of(body, value)?,
            key_at: key.start,
        }),
        _ => None,
    })
}

/// The first `key` line of a section body. Keys are compared as bytes (blanks inside a key are
/// ignored, as [`Text::eq_str`] does) before anything is converted; a line is lexed only when
/// `may_be_key` cannot rule it out, so a lookup costs one prefix comparison per line, one lex
/// per candidate and one text conversion.
pub fn entry<'t>(body: &'t [u8], key: &str) -> Option<KeyText<'t>> {
    let wanted = key.as_bytes();
    lex::lines(body)
        .filter(|(line, _)| may_be_key(line.of(body), wanted))
        .find_map(|(line, _)| key_line(body, line, key))
}

/// Line `line` of `body` as a `key` line, if it is one.
fn key_line<'t>(body: &'t [u8], line: Range, key: &str) -> Option<KeyText<'t>> {
    match lex::lex(body, line) {
        Line::KeyValue { key: k, value, .. } if !k.is_empty() && same_name(k.of(body), key) => {
            Some(KeyText {
                key: text_of(body, k)?,
                value: text_of(body, value)?,
                key_at: k.start,
            })
        }
        _ => None,
    }
}

/// Whether `line` can be a `key = value` line for `key`: `false` only when it cannot — its text
/// after the leading spaces and tabs (where the lexer starts a key) differs from `key` at a byte
/// that is not a blank, or ends before `key` does. Any other line is left to the lexer (a key
/// written with blanks inside it, `key` followed by more name, a comment or `=`). A `key` with a
/// blank in it is nobody's, whatever this says.
fn may_be_key(line: &[u8], key: &[u8]) -> bool {
    let content = line.get(lex::indent(line)..).unwrap_or_default();
    let same = content
        .iter()
        .zip(key)
        .take_while(|(line_byte, key_byte)| line_byte == key_byte)
        .count();
    same == key.len() || content.get(same).is_some_and(|&b| is_blank(b))
}

/// The value of the first `key` in a section body.
pub fn value<'t>(body: &'t [u8], key: &str) -> Option<Text<'t>> {
    entry(body, key).map(|k| k.value)
}

/// The 1-based line of byte `offset` of `text`.
pub fn line_of(text: &[u8], offset: usize) -> u32 {
    let before = text.get(..offset.min(text.len())).unwrap_or_default();
    let newlines = memchr::memchr_iter(b'\n', before).count();
    u32::try_from(newlines)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] =
        b"# expanded\n[GENERAL]\nServicesEnabled = \"cy\"\n\n[SSL]\nLimitDevAccess = 1\n\n\
[SSL_DEV0_INT_0]\nCy0Name = \"SSL 0\" # comment\nCy0BankNumber = 3\n[ em pty ]\n";

    /// [`entry`] as it was before lines were ruled out by their prefix: every line lexed.
    fn entry_lexing_every_line<'t>(body: &'t [u8], key: &str) -> Option<KeyText<'t>> {
        lex::lines(body).find_map(|(line, _)| key_line(body, line, key))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// Ruling lines out by their prefix finds exactly the line lexing every line finds.
        #[test]
        fn the_prefix_test_never_hides_a_key(
            lines in proptest::collection::vec(
                "[ \t]{0,2}[ab \t\r\\[]{0,4}(=[ab\"# ]{0,3})?(#[ab=]{0,2})?\r?",
                0..6,
            ),
            key in "[ab]{1,3}|[ab \t]{0,3}",
        ) {
            let body = lines.join("\n");
            proptest::prop_assert_eq!(
                entry(body.as_bytes(), &key),
                entry_lexing_every_line(body.as_bytes(), &key)
            );
        }

        /// Ruling out lines that do not start with `[` finds exactly the headers lexing finds.
        #[test]
        fn only_lines_starting_with_a_bracket_are_headers(
            line in r#"[ \t]{0,2}[\[\]a =#\t\r"]{0,6}"#,
        ) {
            let text = line.as_bytes();
            let whole = Range { start: 0, end: text.len() };
            let lexed = match lex::lex(text, whole) {
                Line::Header { name: Some(name), .. } if !name.is_empty() => Some(name),
                _ => None,
            };
            proptest::prop_assert_eq!(header_name(text, whole), lexed);
        }
    }

    #[test]
    fn keys_with_blanks_inside_or_around_are_found() {
        let body = b" \tCy0 Name = a\nCy0NameX = b\n  Cy0Name\t= c\nCy0Name=d\n";
        assert_eq!(
            value(body, "Cy0Name").map(|v| v.to_string()),
            Some("a".into())
        );
        let body = b"Cy0NameX = b\nCy0 = e\n  Cy0Name\t= c\n";
        assert_eq!(
            value(body, "Cy0Name").map(|v| v.to_string()),
            Some("c".into())
        );
        assert_eq!(
            value(body, "Cy0"),
            entry_lexing_every_line(body, "Cy0").map(|k| k.value)
        );
    }

    #[test]
    fn finds_sections_in_order() {
        let names: Vec<String> = sections(TEXT).map(|s| s.name.to_string()).collect();
        assert_eq!(names, ["GENERAL", "SSL", "SSL_DEV0_INT_0", "empty"]);
        assert_eq!(section(TEXT, "empty"), Some(&b""[..]));
        assert!(section(TEXT, "SSL_DEV0_INT_1").is_none());
        let ssl = sections(TEXT).nth(2).expect("third");
        assert_eq!(ssl.line, 8);
        assert_eq!(&TEXT[ssl.name_at..ssl.name_at + 14], b"SSL_DEV0_INT_0");
        assert_eq!(&TEXT[ssl.body_at..ssl.body_at + 7], b"Cy0Name");
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
        assert_eq!(value(b"k#x = 2\n", "k").map(|t| t.raw()), Some("2"));
        let at = entry(body, "Cy0BankNumber").expect("entry").key_at;
        assert_eq!(line_of(TEXT, ssl_body_at() + at), 10);
    }

    fn ssl_body_at() -> usize {
        sections(TEXT).nth(2).expect("third").body_at
    }

    #[test]
    fn empty_and_odd_text() {
        assert_eq!(sections(b"").count(), 0);
        assert_eq!(sections(b"no header\n").count(), 0);
        assert_eq!(sections(b"[a]").count(), 1);
        assert_eq!(sections(b"[a\n[]\n[b]\n").count(), 1);
        assert!(value(b"=x\n", "").is_none());
        assert_eq!(value(b"# k = 1\nk = 2\n", "k").map(|t| t.raw()), Some("2"));
    }
}
