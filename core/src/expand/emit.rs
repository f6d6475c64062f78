//! [`ConfWriter`]: writes an expansion back in `.conf` grammar.
//!
//! Values are rendered as the driver stores them: decimal numbers without leading zeros (`007` → `7`),
//! hexadecimal in lower case without leading zeros (`0x00FF` → `0xff`), anything else in double quotes
//! so that the parser reads it back unchanged (it strips exactly one pair).

use core::fmt::{self, Write};

use super::{Value, Visitor};
use crate::config::locate;
use crate::value::{NumberKind, classify_number};

/// Reports an expansion that already exists (`qsal expand` output, a device file) to `visitor`
/// section by section and key by key, as it is: expanding an expansion gives it back unchanged.
pub fn copy_expanded<V: Visitor>(text: &[u8], visitor: &mut V) -> Result<(), V::Error> {
    for section in locate::sections(text) {
        visitor.section(&section.name.compact())?;
        for key in locate::keys(section.body) {
            visitor.key(&key.key.compact(), Value::Text(&key.value.compact()))?;
        }
    }
    Ok(())
}

/// A [`Visitor`] that writes `.conf` text into any [`fmt::Write`].
pub struct ConfWriter<'w, W: Write> {
    out: &'w mut W,
    sections: usize,
}

impl<'w, W: Write> ConfWriter<'w, W> {
    /// Writes into `out`.
    pub fn new(out: &'w mut W) -> Self {
        Self { out, sections: 0 }
    }
}

impl<W: Write> Visitor for ConfWriter<'_, W> {
    type Error = fmt::Error;

    fn section(&mut self, name: &str) -> fmt::Result {
        if self.sections > 0 {
            self.out.write_char('\n')?;
        }
        self.sections = self.sections.saturating_add(1);
        writeln!(self.out, "[{name}]")
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> fmt::Result {
        write!(self.out, "{key} = ")?;
        match value {
            Value::Number(n) => write!(self.out, "{n}")?,
            Value::Text(text) => render(self.out, text)?,
        }
        self.out.write_char('\n')
    }
}

fn render(out: &mut impl Write, text: &str) -> fmt::Result {
    match classify_number(text) {
        NumberKind::Decimal => {
            let digits = text.trim_start_matches('0');
            out.write_str(if digits.is_empty() { "0" } else { digits })
        }
        NumberKind::Hex => {
            let digits = text.get(2..).unwrap_or_default().trim_start_matches('0');
            out.write_str("0x")?;
            if digits.is_empty() {
                return out.write_char('0');
            }
            for c in digits.chars() {
                out.write_char(c.to_ascii_lowercase())?;
            }
            Ok(())
        }
        NumberKind::Text => write!(out, "\"{text}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> String {
        let mut out = String::new();
        render(&mut out, text).expect("render");
        out
    }

    #[test]
    fn values_render_like_the_driver_stores_them() {
        assert_eq!(rendered("007"), "7");
        assert_eq!(rendered("0"), "0");
        assert_eq!(rendered("0x00FF"), "0xff");
        assert_eq!(rendered("0x0"), "0x0");
        assert_eq!(rendered("SSL0"), "\"SSL0\"");
        assert_eq!(rendered("\"x\""), "\"\"x\"\"");
        assert_eq!(rendered("cy;dc"), "\"cy;dc\"");
    }
}
