//! The one place that knows the `.conf` line grammar of Intel's `adf_ctl` (`../shared/reference/
//! qat-semantics.md` §1.2): it splits the input into lines and a line into what it is. The parser
//! ([`super::Config`]) and the reader of expanded text ([`super::locate`]) both use it, so they cannot
//! drift apart.
//!
//! * Lines end at `\n`; `\r` is whitespace wherever it is (the tool deletes it like spaces and tabs).
//! * Leading spaces and tabs are skipped; an empty line or one starting with `#` or `\r` is skipped.
//! * A line starting with `[` is a header: it is cut at the first `#`, and the name is what lies
//!   between `[` and the first `]`; text after `]` is ignored.
//! * Any other line is split at its **first** `=`, *before* comments are cut, then each half is cut
//!   at its first `#` (so `Cy0Name#x = SSL` is `Cy0Name = SSL`) and trimmed; the value loses one pair
//!   of surrounding `"`. Inner whitespace stays in the ranges: [`super::Text`] removes it on demand.

use super::text::{find_byte, has_byte, is_blank};

/// A byte range of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Range {
    pub(crate) fn is_empty(self) -> bool {
        self.start >= self.end
    }

    pub(crate) fn of(self, input: &[u8]) -> &[u8] {
        input.get(self.start..self.end).unwrap_or_default()
    }
}

/// What one line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// Blank, or a comment.
    Skip,
    /// A header `[…`: `whole` is the line without its comment, `name` the trimmed text between `[`
    /// and the first `]` (`None` when there is no `]`), `extra` the trimmed text after `]`.
    Header {
        whole: Range,
        name: Option<Range>,
        extra: Range,
    },
    /// `key = value`: both trimmed, cut at their comments, the value unquoted; `eq` is the offset
    /// of the `=`.
    KeyValue { key: Range, eq: usize, value: Range },
    /// A line without `=` (trimmed, cut at its comment).
    NoEquals { text: Range },
}

/// Splits `input` into lines: yields `(range, crlf_free)` where the range excludes the `\n`, and
/// `stray_cr` is the offset of a `\r` followed by more text on the line, if any.
pub(crate) fn lines(input: &[u8]) -> impl Iterator<Item = (Range, Option<usize>)> + '_ {
    let mut start = 0usize;
    let mut done = false;
    // Most files have no `\r` at all: one search of the whole input spares one per line.
    let has_cr = memchr::memchr(b'\r', input).is_some();
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = input.get(start..).unwrap_or_default();
        // A comment line (most lines of a real file, 45 bytes on average) is long enough for the
        // vectorised search to pay for its call; other lines are short and searched a word at a
        // time.
        let newline = if rest.first() == Some(&b'#') {
            memchr::memchr(b'\n', rest)
        } else {
            find_byte(rest, b'\n')
        };
        let end = match newline {
            Some(p) => start.saturating_add(p),
            None => {
                done = true;
                if rest.is_empty() && start > 0 {
                    return None;
                }
                input.len()
            }
        };
        let line = Range { start, end };
        start = end.saturating_add(1);
        Some((line, if has_cr { stray_cr(input, line) } else { None }))
    })
}

/// The offset of a `\r` that is followed by anything but whitespace on its line.
fn stray_cr(input: &[u8], line: Range) -> Option<usize> {
    let bytes = line.of(input);
    let at = memchr::memchr(b'\r', bytes)?;
    let after = bytes.get(at..).unwrap_or_default();
    (!after.iter().all(|&b| is_blank(b))).then_some(line.start.saturating_add(at))
}

/// How many spaces and tabs a line starts with: where [`lex`] starts reading it (a key starts there).
#[inline]
pub(crate) fn indent(line: &[u8]) -> usize {
    line.iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(line.len())
}

/// What line `line` of `input` is.
#[inline]
pub(crate) fn lex(input: &[u8], line: Range) -> Line {
    let bytes = line.of(input);
    let lead = indent(bytes);
    let start = line.start.saturating_add(lead);
    match bytes.get(lead) {
        None | Some(b'#' | b'\r') => Line::Skip,
        Some(b'[') => header(
            input,
            Range {
                start,
                end: line.end,
            },
        ),
        Some(_) => key_value(
            input,
            Range {
                start,
                end: line.end,
            },
        ),
    }
}

fn header(input: &[u8], content: Range) -> Line {
    // One pass finds the comment's `#` and the first `]` before it (byte 0 is the `[`).
    let bytes = content.of(input);
    let mut close = None;
    let mut cut = bytes.len();
    for (at, &byte) in bytes.iter().enumerate().skip(1) {
        if byte == b'#' {
            cut = at;
            break;
        }
        if byte == b']' && close.is_none() {
            close = Some(at);
        }
    }
    let at = |offset: usize| content.start.saturating_add(offset);
    let end = at(cut);
    let whole = trim(
        input,
        Range {
            start: content.start,
            end,
        },
    );
    let Some(close) = close.map(at) else {
        return Line::Header {
            whole,
            name: None,
            extra: Range { start: end, end },
        };
    };
    Line::Header {
        whole,
        name: Some(trim(
            input,
            Range {
                start: at(1),
                end: close,
            },
        )),
        extra: trim(
            input,
            Range {
                start: close.saturating_add(1),
                end,
            },
        ),
    }
}

/// Where the first `=` of a line is, and the first `#` before and after it.
#[derive(Clone, Copy, Default)]
struct Marks {
    eq: Option<usize>,
    comment_in_key: Option<usize>,
    comment_in_value: Option<usize>,
}

impl Marks {
    /// Finds the marks of `bytes` in one pass that stops at the value's comment. Lines are short,
    /// so the pass is inline rather than a library search per character, and it skips a word of
    /// eight bytes at once when none of them is `=` or `#`.
    fn of(bytes: &[u8]) -> Self {
        let mut marks = Self::default();
        let mut words = bytes.chunks_exact(8);
        let mut base = 0usize;
        for word in &mut words {
            if let Ok(whole) = <[u8; 8]>::try_from(word)
                && !has_mark(u64::from_le_bytes(whole))
            {
                base = base.saturating_add(8);
                continue;
            }
            if marks.scan(word, base) {
                return marks;
            }
            base = base.saturating_add(8);
        }
        marks.scan(words.remainder(), base);
        marks
    }

    /// Looks at the bytes of `piece`, which starts at offset `base`; true once the value's
    /// comment is found (nothing after it matters).
    fn scan(&mut self, piece: &[u8], base: usize) -> bool {
        for (at, &byte) in piece.iter().enumerate() {
            let at = base.saturating_add(at);
            if byte == b'=' && self.eq.is_none() {
                self.eq = Some(at);
            } else if byte == b'#' {
                if self.eq.is_some() {
                    self.comment_in_value = Some(at);
                    return true;
                }
                if self.comment_in_key.is_none() {
                    self.comment_in_key = Some(at);
                }
            }
        }
        false
    }
}

/// Whether a word of eight input bytes holds a `=` or a `#`.
fn has_mark(word: u64) -> bool {
    has_byte(word, b'=') || has_byte(word, b'#')
}

fn key_value(input: &[u8], content: Range) -> Line {
    let marks = Marks::of(content.of(input));
    let at = |offset: usize| content.start.saturating_add(offset);
    let key_end = marks.comment_in_key.map(at);
    let Some(eq) = marks.eq.map(at) else {
        return Line::NoEquals {
            text: trim(
                input,
                Range {
                    start: content.start,
                    end: key_end.unwrap_or(content.end),
                },
            ),
        };
    };
    let key = trim(
        input,
        Range {
            start: content.start,
            end: key_end.unwrap_or(eq),
        },
    );
    let value = unquote(
        input,
        trim(
            input,
            Range {
                start: eq.saturating_add(1),
                end: marks.comment_in_value.map_or(content.end, at),
            },
        ),
    );
    Line::KeyValue { key, eq, value }
}

/// Shrinks a range to exclude leading and trailing whitespace.
pub(crate) fn trim(input: &[u8], range: Range) -> Range {
    let bytes = range.of(input);
    let lead = bytes
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(bytes.len());
    let trail = bytes.iter().rev().position(|&b| !is_blank(b)).unwrap_or(0);
    let start = range.start.saturating_add(lead);
    let end = range.end.saturating_sub(trail).max(start);
    Range { start, end }
}

/// Removes one pair of surrounding double quotes (a lone `"` becomes empty, as in the reference).
fn unquote(input: &[u8], range: Range) -> Range {
    let bytes = range.of(input);
    if bytes.first() == Some(&b'"') && bytes.last() == Some(&b'"') {
        if bytes.len() == 1 {
            return Range {
                start: range.end,
                end: range.end,
            };
        }
        return Range {
            start: range.start.saturating_add(1),
            end: range.end.saturating_sub(1),
        };
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexed(line: &str) -> (&'static str, String, String) {
        let input = line.as_bytes();
        let all = Range {
            start: 0,
            end: input.len(),
        };
        let show = |r: Range| String::from_utf8_lossy(r.of(input)).into_owned();
        match lex(input, all) {
            Line::Skip => ("skip", String::new(), String::new()),
            Line::Header { name, extra, .. } => (
                "header",
                name.map_or_else(|| "<unclosed>".to_string(), show),
                show(extra),
            ),
            Line::KeyValue { key, value, .. } => ("kv", show(key), show(value)),
            Line::NoEquals { text } => ("noeq", show(text), String::new()),
        }
    }

    #[test]
    fn the_reference_rules() {
        assert_eq!(lexed("  # c").0, "skip");
        assert_eq!(lexed("\rx = 1").0, "skip");
        assert_eq!(lexed("").0, "skip");
        assert_eq!(lexed("[SSL] x").1, "SSL");
        assert_eq!(lexed("[SSL] x").2, "x");
        assert_eq!(lexed("[SSL # ]").1, "<unclosed>");
        assert_eq!(lexed("[ S S L ]#c").1, "S S L");
        let kv = |k: &str, v: &str| ("kv", k.to_string(), v.to_string());
        assert_eq!(lexed("a = b"), kv("a", "b"));
        assert_eq!(lexed("Cy0Name#x = SSL"), kv("Cy0Name", "SSL"));
        assert_eq!(lexed("Cy0Name # = SSL"), kv("Cy0Name", "SSL"));
        assert_eq!(lexed("NumProcesses = 2 # was = 4"), kv("NumProcesses", "2"));
        assert_eq!(lexed("x = \"My SSL\""), kv("x", "My SSL"));
        assert_eq!(lexed("x = \""), kv("x", ""));
        assert_eq!(lexed("x = \"a#b\""), kv("x", "\"a"));
        assert_eq!(lexed("= 5"), kv("", "5"));
        assert_eq!(lexed("foo # bar").0, "noeq");
    }

    /// The rules of the module doc, written as plain searches of the line (one per character,
    /// the way the reference tool reads it), to hold the one-pass lexer to.
    fn model(input: &[u8]) -> Line {
        let first = |range: Range, byte: u8| {
            range
                .of(input)
                .iter()
                .position(|&b| b == byte)
                .map(|p| range.start + p)
        };
        let cut = |range: Range| Range {
            start: range.start,
            end: first(range, b'#').unwrap_or(range.end),
        };
        let lead = input
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(input.len());
        let content = Range {
            start: lead,
            end: input.len(),
        };
        match input.get(lead) {
            None | Some(b'#' | b'\r') => Line::Skip,
            Some(b'[') => {
                let content = cut(content);
                let whole = trim(input, content);
                let inner = Range {
                    start: content.start + 1,
                    end: content.end,
                };
                match first(inner, b']') {
                    None => Line::Header {
                        whole,
                        name: None,
                        extra: Range {
                            start: content.end,
                            end: content.end,
                        },
                    },
                    Some(close) => Line::Header {
                        whole,
                        name: Some(trim(
                            input,
                            Range {
                                start: inner.start,
                                end: close,
                            },
                        )),
                        extra: trim(
                            input,
                            Range {
                                start: close + 1,
                                end: content.end,
                            },
                        ),
                    },
                }
            }
            Some(_) => match first(content, b'=') {
                None => Line::NoEquals {
                    text: trim(input, cut(content)),
                },
                Some(eq) => Line::KeyValue {
                    key: trim(
                        input,
                        cut(Range {
                            start: content.start,
                            end: eq,
                        }),
                    ),
                    eq,
                    value: unquote(
                        input,
                        trim(
                            input,
                            cut(Range {
                                start: eq + 1,
                                end: content.end,
                            }),
                        ),
                    ),
                },
            },
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        #[test]
        fn one_pass_reads_lines_as_the_rules_say(line in "([a-z]{0,11}[ \t\r\\[\\]#=\"]{0,2}){0,6}") {
            let input = line.as_bytes();
            let all = Range { start: 0, end: input.len() };
            proptest::prop_assert_eq!(lex(input, all), model(input));
        }

        #[test]
        fn lines_are_the_newline_split(text in "[a\n\r]{0,40}") {
            let input = text.as_bytes();
            let mut expected = Vec::new();
            let mut start = 0;
            for piece in text.split('\n') {
                expected.push((start, start + piece.len()));
                start += piece.len() + 1;
            }
            // A final newline ends the last line; it does not start an empty one.
            if text.ends_with('\n') {
                expected.pop();
            }
            let got: Vec<(usize, usize)> = lines(input).map(|(r, _)| (r.start, r.end)).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn lines_split_at_newlines_only() {
        let input = b"a\r\nb\rc\n\nd";
        let got: Vec<(usize, usize, Option<usize>)> =
            lines(input).map(|(r, cr)| (r.start, r.end, cr)).collect();
        assert_eq!(
            got,
            [(0, 2, None), (3, 6, Some(4)), (7, 7, None), (8, 9, None)]
        );
        assert_eq!(lines(b"").count(), 1);
        assert_eq!(lines(b"x\n").count(), 1);
    }
}
