//! `ServicesEnabled` and `ServicesProfile` of `[GENERAL]`.
//!
//! The reference compares `ServicesEnabled` as an exact string against a table; both orders of a
//! pair (`cy;dc`, `dc;cy`) mean the same thing. Which combinations a device accepts depends on its
//! generation and, on QAT1.7 devices, on `ServicesProfile` (see [`crate::profile`]).

/// The crypto flavour that `Cy<i>` instances get under a `ServicesEnabled` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoKind {
    /// Full crypto: each instance has an asymmetric and a symmetric ring pair.
    Cy,
    /// Asymmetric crypto only.
    Asym,
    /// Symmetric crypto only.
    Sym,
}

/// A recognised `ServicesEnabled` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Services {
    /// `cy`
    Cy,
    /// `dc`
    Dc,
    /// `sym`
    Sym,
    /// `asym`
    Asym,
    /// `cy;dc` or `dc;cy`
    CyDc,
    /// `asym;dc` or `dc;asym`
    AsymDc,
    /// `sym;dc` or `dc;sym`
    SymDc,
    /// `asym;sym` or `sym;asym` (QAT 2.0 spelling of full crypto)
    AsymSym,
    /// `cy;inline` (c4xxx with inline IPsec)
    CyInline,
}

impl Services {
    /// Every recognised value, in a stable order (used in help texts).
    pub const ALL: [Self; 9] = [
        Self::Cy,
        Self::Dc,
        Self::Sym,
        Self::Asym,
        Self::CyDc,
        Self::AsymDc,
        Self::SymDc,
        Self::AsymSym,
        Self::CyInline,
    ];

    /// Parses an exact `ServicesEnabled` value (case-sensitive, as the driver compares it).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "cy" => Self::Cy,
            "dc" => Self::Dc,
            "sym" => Self::Sym,
            "asym" => Self::Asym,
            "cy;dc" | "dc;cy" => Self::CyDc,
            "asym;dc" | "dc;asym" => Self::AsymDc,
            "sym;dc" | "dc;sym" => Self::SymDc,
            "asym;sym" | "sym;asym" => Self::AsymSym,
            "cy;inline" => Self::CyInline,
            _ => return None,
        })
    }

    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cy => "cy",
            Self::Dc => "dc",
            Self::Sym => "sym",
            Self::Asym => "asym",
            Self::CyDc => "cy;dc",
            Self::AsymDc => "asym;dc",
            Self::SymDc => "sym;dc",
            Self::AsymSym => "asym;sym",
            Self::CyInline => "cy;inline",
        }
    }

    /// What `Cy<i>` instances are under this value, or `None` when crypto is not enabled.
    pub const fn crypto(self) -> Option<CryptoKind> {
        match self {
            Self::Cy | Self::CyDc | Self::AsymSym | Self::CyInline => Some(CryptoKind::Cy),
            Self::Asym | Self::AsymDc => Some(CryptoKind::Asym),
            Self::Sym | Self::SymDc => Some(CryptoKind::Sym),
            Self::Dc => None,
        }
    }

    /// Whether asymmetric crypto has rings (alone or as part of `cy`).
    pub const fn asym(self) -> bool {
        matches!(
            self,
            Self::Cy | Self::CyDc | Self::AsymSym | Self::CyInline | Self::Asym | Self::AsymDc
        )
    }

    /// Whether compression (`Dc<i>` instances) is enabled.
    pub const fn compression(self) -> bool {
        matches!(self, Self::Dc | Self::CyDc | Self::AsymDc | Self::SymDc)
    }
}

/// A QAT1.7 `ServicesProfile` (firmware image), which restricts the allowed `ServicesEnabled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServicesProfile {
    /// `DEFAULT` (also the meaning of an absent key).
    Default,
    /// `CRYPTO`
    Crypto,
    /// `COMPRESSION`
    Compression,
    /// `CUSTOM1`
    Custom1,
}

impl ServicesProfile {
    /// Parses an exact profile name.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "DEFAULT" => Self::Default,
            "CRYPTO" => Self::Crypto,
            "COMPRESSION" => Self::Compression,
            "CUSTOM1" => Self::Custom1,
            _ => return None,
        })
    }

    /// The name as written in the file.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Default => "DEFAULT",
            Self::Crypto => "CRYPTO",
            Self::Compression => "COMPRESSION",
            Self::Custom1 => "CUSTOM1",
        }
    }

    /// Whether this firmware image accepts `services` (OOT-4.24 `adf_profiles[]`).
    pub const fn allows(self, services: Services) -> bool {
        use Services as S;
        match self {
            Self::Default | Self::Custom1 => !matches!(services, S::AsymSym | S::CyInline),
            Self::Crypto => matches!(services, S::Cy | S::Sym | S::Asym),
            Self::Compression => matches!(services, S::Dc | S::Sym | S::SymDc),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_orders_parse_to_one_value() {
        assert_eq!(Services::parse("dc;cy"), Some(Services::CyDc));
        assert_eq!(Services::parse("cy;dc"), Some(Services::CyDc));
        assert_eq!(Services::parse("sym;asym"), Some(Services::AsymSym));
        assert_eq!(Services::parse("cy0;cy1"), None);
        assert_eq!(Services::parse("CY"), None);
        for s in Services::ALL {
            assert_eq!(Services::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn profiles_restrict_services() {
        assert!(ServicesProfile::Crypto.allows(Services::Cy));
        assert!(!ServicesProfile::Crypto.allows(Services::Dc));
        assert!(ServicesProfile::Compression.allows(Services::SymDc));
        assert!(!ServicesProfile::Compression.allows(Services::CyDc));
        assert!(ServicesProfile::Default.allows(Services::AsymDc));
    }
}
