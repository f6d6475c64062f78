//! Hardware facts of every supported QAT device type.
//!
//! Numbers come from the per-device `hw_data` of Intel's drivers (`../shared/reference/qat-semantics.md` §2.3):
//! how many ring banks ("bundles") a device has, how many rings each bank holds, the distance between a
//! request ring and its response ring, and which `ServicesEnabled` values its firmware accepts. The
//! PCI device ids are those the drivers bind to (vendor `0x8086`).

use core::fmt;

use crate::value::{Services, ServicesProfile};

/// A hardware generation, which decides the ring layout inside a bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// QAT 1.7 gen2 family (dh895xcc, c6xx, c3xxx, d15xx, 200xx): 16 rings per bank, gap 8.
    Gen2,
    /// QAT 1.7 gen3 (c4xxx): 8 rings per bank, gap 4.
    Gen3,
    /// QAT 2.0 (4xxx family): 2 rings per bank, gap 1, one service per bank.
    Gen4,
}

/// The driver package that owns a device type, whose expansion rules qsal follows: QAT.L.4.24 for the
/// QAT 1.7 family, QAT20 for gen4 (`../shared/reference/qat-semantics.md` §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// QAT 1.7 (4.24): dh895xcc, c6xx, c3xxx, d15xx, 200xx, c4xxx and their VFs.
    Qat17,
    /// QAT 2.0 (QAT20): 4xxx, 401xx, 402xx and their VFs.
    Qat20,
}

/// A supported device type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeviceType {
    /// DH895xCC physical function.
    Dh895xcc,
    /// DH895xCC virtual function.
    Dh895xccVf,
    /// C62x (driver name `c6xx`) physical function.
    C6xx,
    /// C62x virtual function.
    C6xxVf,
    /// C3xxx physical function.
    C3xxx,
    /// C3xxx virtual function.
    C3xxxVf,
    /// D15xx physical function.
    D15xx,
    /// D15xx virtual function.
    D15xxVf,
    /// 200xx physical function.
    Qat200xx,
    /// 200xx virtual function.
    Qat200xxVf,
    /// C4xxx physical function.
    C4xxx,
    /// C4xxx virtual function.
    C4xxxVf,
    /// 4xxx (QAT 2.0) physical function.
    Qat4xxx,
    /// 4xxx virtual function.
    Qat4xxxVf,
    /// 401xx physical function.
    Qat401xx,
    /// 401xx virtual function.
    Qat401xxVf,
    /// 402xx physical function.
    Qat402xx,
    /// 402xx virtual function.
    Qat402xxVf,
}

/// The hardware profile of one device type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceProfile {
    /// The device type this profile describes.
    pub device_type: DeviceType,
    /// The driver's name for the type, as used in `/etc/<name>_dev<N>.conf`.
    pub name: &'static str,
    /// Ring layout generation.
    pub generation: Generation,
    /// Whether this is a virtual function.
    pub is_vf: bool,
    /// Number of ring banks.
    pub banks: u16,
    /// Rings per bank (requests in the lower half, responses in the upper half).
    pub rings_per_bank: u8,
    /// PCI device id (vendor 0x8086).
    pub pci_device_id: u16,
}

impl DeviceType {
    /// Every supported type, physical functions first.
    pub const ALL: [Self; 18] = [
        Self::Dh895xcc,
        Self::C6xx,
        Self::C3xxx,
        Self::D15xx,
        Self::Qat200xx,
        Self::C4xxx,
        Self::Qat4xxx,
        Self::Qat401xx,
        Self::Qat402xx,
        Self::Dh895xccVf,
        Self::C6xxVf,
        Self::C3xxxVf,
        Self::D15xxVf,
        Self::Qat200xxVf,
        Self::C4xxxVf,
        Self::Qat4xxxVf,
        Self::Qat401xxVf,
        Self::Qat402xxVf,
    ];

    /// Looks a type up by the driver's name (`c6xx`, `c62x`, `4xxxvf`, ...). The sample-file
    /// spelling `<type>pf` (a physical function with SR-IOV enabled) names the physical function.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "c62x" => return Some(Self::C6xx),
            "c62xvf" => return Some(Self::C6xxVf),
            _ => {}
        }
        let exact = Self::ALL.into_iter().find(|t| t.profile().name == name);
        exact.or_else(|| {
            let base = name.strip_suffix("pf")?;
            Self::ALL
                .into_iter()
                .find(|t| !t.profile().is_vf && t.profile().name == base)
        })
    }

    /// Guesses the type from a configuration file name that contains `<type>_dev<N>.conf`,
    /// possibly followed by more suffixes (`c6xx_dev0.conf.dc.sym.km`) and possibly with one extra
    /// word between the type and `_dev` (`dh895xcc_qa_dev0.conf`).
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        let mut search = file_name;
        while let Some(pos) = search.rfind("_dev") {
            let (before, after) = search.split_at(pos);
            let after = after.get(4..).unwrap_or_default();
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0
                && after
                    .get(digits..)
                    .is_some_and(|rest| rest.starts_with(".conf"))
            {
                let mut words = before.rsplit('_');
                let nearest = words.next();
                let next = words.next();
                return nearest
                    .and_then(Self::from_name)
                    .or_else(|| next.and_then(Self::from_name));
            }
            search = before;
        }
        None
    }

    /// Looks a type up by PCI device id.
    pub fn from_pci_device_id(id: u16) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.profile().pci_device_id == id)
    }

    /// The driver's name for this type.
    pub const fn name(self) -> &'static str {
        self.describe().name
    }

    /// The hardware profile, copied out of `PROFILES` (a start asks for it several times; the
    /// table is built at compile time by `DeviceType::describe`).
    #[inline]
    pub fn profile(self) -> DeviceProfile {
        // Every discriminant indexes the table (a test checks it); the fallback is never taken.
        PROFILES
            .get(self as usize)
            .copied()
            .unwrap_or_else(|| self.describe())
    }

    /// The hardware profile, worked out from the type (for [`PROFILES`]).
    const fn describe(self) -> DeviceProfile {
        use Generation::{Gen2, Gen3, Gen4};
        let (name, generation, is_vf, banks, pci_device_id) = match self {
            Self::Dh895xcc => ("dh895xcc", Gen2, false, 32, 0x0435),
            Self::Dh895xccVf => ("dh895xccvf", Gen2, true, 1, 0x0443),
            Self::C6xx => ("c6xx", Gen2, false, 16, 0x37c8),
            Self::C6xxVf => ("c6xxvf", Gen2, true, 1, 0x37c9),
            Self::C3xxx => ("c3xxx", Gen2, false, 16, 0x19e2),
            Self::C3xxxVf => ("c3xxxvf", Gen2, true, 1, 0x19e3),
            Self::D15xx => ("d15xx", Gen2, false, 16, 0x6f54),
            Self::D15xxVf => ("d15xxvf", Gen2, true, 1, 0x6f55),
            Self::Qat200xx => ("200xx", Gen2, false, 16, 0x18ee),
            Self::Qat200xxVf => ("200xxvf", Gen2, true, 1, 0x18ef),
            Self::C4xxx => ("c4xxx", Gen3, false, 128, 0x18a0),
            Self::C4xxxVf => ("c4xxxvf", Gen3, true, 1, 0x18a1),
            Self::Qat4xxx => ("4xxx", Gen4, false, 64, 0x4940),
            Self::Qat4xxxVf => ("4xxxvf", Gen4, true, 4, 0x4941),
            Self::Qat401xx => ("401xx", Gen4, false, 64, 0x4942),
            Self::Qat401xxVf => ("401xxvf", Gen4, true, 4, 0x4943),
            Self::Qat402xx => ("402xx", Gen4, false, 64, 0x4944),
            Self::Qat402xxVf => ("402xxvf", Gen4, true, 4, 0x4945),
        };
        let rings_per_bank = match generation {
            Gen2 => 16,
            Gen3 => 8,
            Gen4 => 2,
        };
        DeviceProfile {
            device_type: self,
            name,
            generation,
            is_vf,
            banks,
            rings_per_bank,
            pci_device_id,
        }
    }
}

/// Every type's profile, indexed by the type's discriminant (declaration order).
#[allow(clippy::indexing_slicing)] // `i` runs over 0..18, the table's length, at compile time.
const PROFILES: [DeviceProfile; 18] = {
    let mut table = [DeviceType::Dh895xcc.describe(); 18];
    let mut i = 0;
    while i < DeviceType::ALL.len() {
        let device_type = DeviceType::ALL[i];
        table[device_type as usize] = device_type.describe();
        i += 1;
    }
    table
};

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl DeviceProfile {
    /// The driver family whose rules apply.
    pub const fn driver(&self) -> Driver {
        match self.generation {
            Generation::Gen2 | Generation::Gen3 => Driver::Qat17,
            Generation::Gen4 => Driver::Qat20,
        }
    }

    /// Distance from a request (tx) ring to its response (rx) ring: half the rings of a bank.
    pub const fn tx_rx_gap(&self) -> u8 {
        self.rings_per_bank / 2
    }

    /// How many derived names per section the slot search tries on this device
    /// (`GET_MAX_PROCESSES` = banks × rings per bank / 2).
    pub const fn max_processes(&self) -> u32 {
        (self.banks as u32).saturating_mul(self.tx_rx_gap() as u32)
    }

    /// Whether the driver accepts `ServicesEnabled = services` under `profile` (`adf_profiles[]` of
    /// 4.24; the nine-value table of QAT20, which has no profiles and no `cy` spelling).
    pub const fn accepts(&self, services: Services, profile: ServicesProfile) -> bool {
        match self.generation {
            Generation::Gen2 => profile.allows(services),
            // c4xxx: its own DEFAULT table; `cy;inline` is refused by 4.24 and accepted by later
            // drivers, so qsal accepts it on the physical function.
            Generation::Gen3 => {
                ServicesProfile::Default.allows(services)
                    || (matches!(services, Services::CyInline) && !self.is_vf)
            }
            Generation::Gen4 => matches!(
                services,
                Services::Dc
                    | Services::Sym
                    | Services::Asym
                    | Services::AsymDc
                    | Services::SymDc
                    | Services::AsymSym
            ),
        }
    }

    /// Whether the driver reads `ServicesProfile` on this device: only the QAT 1.7 gen2 physical
    /// functions do (VFs and c4xxx always use their default table, QAT20 never reads it).
    pub const fn has_services_profiles(&self) -> bool {
        matches!(self.generation, Generation::Gen2) && !self.is_vf
    }

    /// What `adf_ctl status` prints as `#accel` and `#engines`: the accelerators and acceleration
    /// engines the driver's hardware data gives the type (`ADF_<TYPE>_MAX_ACCELERATORS` and
    /// `_MAX_ACCELENGINES`; a virtual function has one of each). A part with fused-off units reports
    /// fewer; qsal shows the type's numbers.
    pub const fn accel_engines(&self) -> (u32, u32) {
        match self.device_type {
            DeviceType::Dh895xcc => (6, 12),
            DeviceType::C6xx | DeviceType::D15xx => (5, 10),
            DeviceType::C3xxx | DeviceType::Qat200xx => (3, 6),
            DeviceType::C4xxx => (12, 32),
            DeviceType::Qat4xxx | DeviceType::Qat401xx | DeviceType::Qat402xx => (1, 9),
            DeviceType::Dh895xccVf
            | DeviceType::C6xxVf
            | DeviceType::C3xxxVf
            | DeviceType::D15xxVf
            | DeviceType::Qat200xxVf
            | DeviceType::C4xxxVf
            | DeviceType::Qat4xxxVf
            | DeviceType::Qat401xxVf
            | DeviceType::Qat402xxVf => (1, 1),
        }
    }

    /// Logical accelerators the driver generates `[Accelerator<n>]` sections for.
    pub const fn logical_accelerators(&self) -> u32 {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_table_holds_every_type_at_its_discriminant() {
        for device_type in DeviceType::ALL {
            assert_eq!(device_type.profile(), device_type.describe());
            assert_eq!(device_type.profile().device_type, device_type);
        }
        let mut seen: Vec<DeviceType> = PROFILES.iter().map(|p| p.device_type).collect();
        seen.dedup();
        assert_eq!(seen.len(), DeviceType::ALL.len(), "each type once");
    }

    #[test]
    fn limits_match_the_reference_table() {
        let max = |t: DeviceType| t.profile().max_processes();
        assert_eq!(max(DeviceType::Dh895xcc), 256);
        assert_eq!(max(DeviceType::C6xx), 128);
        assert_eq!(max(DeviceType::C6xxVf), 8);
        assert_eq!(max(DeviceType::C4xxx), 512);
        assert_eq!(max(DeviceType::C4xxxVf), 4);
        assert_eq!(max(DeviceType::Qat4xxx), 64);
        assert_eq!(DeviceType::C4xxx.profile().tx_rx_gap(), 4);
        assert_eq!(DeviceType::Qat4xxx.profile().tx_rx_gap(), 1);
    }

    #[test]
    fn adf_ctl_status_counts_follow_the_driver() {
        let counts = |t: DeviceType| t.profile().accel_engines();
        assert_eq!(counts(DeviceType::C6xx), (5, 10));
        assert_eq!(counts(DeviceType::Dh895xcc), (6, 12));
        assert_eq!(counts(DeviceType::C3xxx), (3, 6));
        assert_eq!(counts(DeviceType::Qat4xxx), (1, 9));
        assert_eq!(counts(DeviceType::Qat402xx), (1, 9));
        assert_eq!(counts(DeviceType::C6xxVf), (1, 1));
        assert_eq!(counts(DeviceType::Qat4xxxVf), (1, 1));
    }

    #[test]
    fn names_round_trip() {
        for t in DeviceType::ALL {
            assert_eq!(DeviceType::from_name(t.name()), Some(t));
            assert_eq!(
                DeviceType::from_pci_device_id(t.profile().pci_device_id),
                Some(t)
            );
        }
        assert_eq!(DeviceType::from_name("c62x"), Some(DeviceType::C6xx));
        assert_eq!(DeviceType::from_name("c2xxx"), None);
        assert_eq!(DeviceType::from_name("c4xxxpf"), Some(DeviceType::C4xxx));
        assert_eq!(DeviceType::from_name("c6xxvfpf"), None);
    }

    #[test]
    fn device_type_from_file_names() {
        let infer = DeviceType::from_file_name;
        assert_eq!(infer("c6xx_dev0.conf"), Some(DeviceType::C6xx));
        assert_eq!(
            infer("x_c6xx_dev0.conf.dc.sym.km.conf"),
            Some(DeviceType::C6xx)
        );
        assert_eq!(
            infer("conf_files_4xxxvf_dev0.conf.vm.conf"),
            Some(DeviceType::Qat4xxxVf)
        );
        assert_eq!(
            infer("optimized_dh895xcc_qa_dev0.conf"),
            Some(DeviceType::Dh895xcc)
        );
        assert_eq!(infer("200xx_dev12.conf"), Some(DeviceType::Qat200xx));
        assert_eq!(infer("c4xxxpf_dev0.conf"), Some(DeviceType::C4xxx));
        assert_eq!(infer("optimized_c2xxx_qa_dev0.conf"), None);
        assert_eq!(infer("4xxx_template.conf"), None);
        assert_eq!(infer("c6xx_devX.conf"), None);
        assert_eq!(infer("c6xx_dev0.txt"), None);
    }

    #[test]
    fn services_per_generation() {
        let c6xx = DeviceType::C6xx.profile();
        let qat4 = DeviceType::Qat4xxx.profile();
        let d = ServicesProfile::Default;
        assert!(c6xx.accepts(Services::CyDc, d));
        assert!(!c6xx.accepts(Services::AsymSym, d));
        assert!(!c6xx.accepts(Services::CyInline, d));
        assert!(DeviceType::C4xxx.profile().accepts(Services::CyInline, d));
        assert!(qat4.accepts(Services::AsymSym, d));
        assert!(!qat4.accepts(Services::CyDc, d));
        assert!(!qat4.accepts(Services::Cy, d), "QAT20 refuses `cy`");
        assert!(
            DeviceType::C4xxx
                .profile()
                .accepts(Services::Dc, ServicesProfile::Crypto)
        );
        assert!(!DeviceType::C4xxxVf.profile().accepts(Services::CyInline, d));
        assert!(DeviceType::C6xx.profile().has_services_profiles());
        assert!(!DeviceType::C6xxVf.profile().has_services_profiles());
        assert!(!DeviceType::C4xxx.profile().has_services_profiles());
    }
}
