//! The ring layout of one bank: which service each ring serves and which instances fit in it.
//!
//! QAT 1.7 (gen2/gen3) splits the request rings of a bank into four "service slots" according to a
//! ring-to-service map chosen by `ServicesEnabled` (OOT-4.24 `adf_profiles[]`). A `CRYPTO` slot gives
//! its rings to asymmetric requests and the next slot's rings to symmetric ones, so one crypto
//! instance owns an asym and a sym ring pair. The instances a bank can hold are pre-built in slot order
//! (`adf_cfg_init_and_insert_inst`), each taking the first free request ring of its service; the
//! response ring is the request ring plus the tx→rx gap. On QAT 2.0 (gen4) every bank holds a single
//! ring pair whose service is slot `bank mod 4` of the map.

use core::fmt;

use crate::profile::{DeviceProfile, Generation};
use crate::value::Services;

/// The service of a ring, a slot or an instance (the driver's `adf_cfg_service_type`, in its order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RingService {
    /// Full crypto: an asymmetric and a symmetric ring pair.
    Crypto,
    /// Compression.
    Compression,
    /// Symmetric crypto only.
    Sym,
    /// Asymmetric crypto only.
    Asym,
}

/// How many instances of each service an allocator has placed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceCounts([u32; 4]);

impl ServiceCounts {
    /// Nothing placed.
    pub const fn new() -> Self {
        Self([0; 4])
    }

    /// Counts one more instance of `service` (a counter: it saturates).
    pub fn add(&mut self, service: RingService) {
        if let Some(count) = self.0.get_mut(service.index()) {
            *count = count.saturating_add(1);
        }
    }

    /// Instances of `service` placed so far.
    pub fn of(&self, service: RingService) -> u32 {
        self.0.get(service.index()).copied().unwrap_or(0)
    }
}

impl RingService {
    /// The processing order of services within one section (`CRYPTO, COMP, SYM, ASYM`).
    pub const ORDER: [Self; 4] = [Self::Crypto, Self::Compression, Self::Sym, Self::Asym];

    /// Index into per-service counters.
    pub const fn index(self) -> usize {
        match self {
            Self::Crypto => 0,
            Self::Compression => 1,
            Self::Sym => 2,
            Self::Asym => 3,
        }
    }

    /// Human name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Crypto => "crypto",
            Self::Compression => "compression",
            Self::Sym => "symmetric crypto",
            Self::Asym => "asymmetric crypto",
        }
    }
}

impl fmt::Display for RingService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The four service slots of a ring-to-service map; `None` is an unused slot (`NA`).
pub type RingMap = [Option<RingService>; 4];

/// The ring-to-service map of `services` on a device generation; `None` when that generation's
/// driver has no map for it (QAT20 refuses `cy`, `cy;dc` and `cy;inline`).
pub fn ring_map(generation: Generation, services: Services) -> Option<RingMap> {
    use RingService::{Asym, Compression as Dc, Crypto, Sym};
    use Services as S;
    Some(match generation {
        Generation::Gen2 | Generation::Gen3 => match services {
            S::Cy | S::CyInline => [Some(Crypto); 4],
            S::Dc => [Some(Dc); 4],
            S::Sym => [Some(Sym); 4],
            S::Asym => [Some(Asym); 4],
            S::CyDc => [Some(Crypto), Some(Crypto), None, Some(Dc)],
            S::AsymDc => [Some(Asym), Some(Asym), Some(Dc), Some(Dc)],
            S::SymDc => [Some(Sym), Some(Sym), Some(Dc), Some(Dc)],
            S::AsymSym => [Some(Asym), Some(Asym), Some(Sym), Some(Sym)],
        },
        // QAT20 (§2.6.2): bank b serves slot b mod 4; the two-service maps with compression are
        // X, X, DC, DC (pairs of neighbouring banks), asym;sym alternates.
        Generation::Gen4 => match services {
            S::AsymSym => [Some(Asym), Some(Sym), Some(Asym), Some(Sym)],
            S::Dc => [Some(Dc); 4],
            S::Sym => [Some(Sym); 4],
            S::Asym => [Some(Asym); 4],
            S::AsymDc => [Some(Asym), Some(Asym), Some(Dc), Some(Dc)],
            S::SymDc => [Some(Sym), Some(Sym), Some(Dc), Some(Dc)],
            S::Cy | S::CyDc | S::CyInline => return None,
        },
    })
}

/// Whether a service has rings under `map` (`adf_cfg_is_svc_enabled`).
pub fn service_enabled(map: &RingMap, service: RingService) -> bool {
    map.contains(&Some(service))
}

/// One pre-built instance of a bank: its service and request ring(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prebuilt {
    /// The service.
    pub service: RingService,
    /// Request ring: the asymmetric one for `Crypto`.
    pub tx: u8,
    /// Second request ring: the symmetric one for `Crypto`, else equal to `tx`.
    pub tx_sym: u8,
}

/// The most instances one bank can hold (gen2 with eight single-ring-pair services).
pub const MAX_PER_BANK: usize = 8;

/// The pre-built instances of bank `bank`, in the order the driver hands them out.
pub fn prebuilt(
    profile: &DeviceProfile,
    map: &RingMap,
    bank: u16,
) -> heapless::Vec<Prebuilt, MAX_PER_BANK> {
    let mut out = heapless::Vec::new();
    if profile.generation == Generation::Gen4 {
        let slot = usize::from(bank % 4);
        if let Some(Some(service)) = map.get(slot) {
            let _ = out.push(Prebuilt {
                service: *service,
                tx: 0,
                tx_sym: 0,
            });
        }
        return out;
    }
    // Gen2/gen3: assign a service to every request ring, then build instances slot by slot.
    let requests = usize::from(profile.tx_rx_gap());
    let per_slot = requests / 4;
    let mut ring_service = [None::<RingService>; 8];
    let mut slot = 0usize;
    while slot < 4 {
        let service = map.get(slot).copied().flatten();
        let (first, second) = match service {
            Some(RingService::Crypto) => (Some(RingService::Asym), Some(RingService::Sym)),
            other => (other, None),
        };
        mark(
            &mut ring_service,
            slot.saturating_mul(per_slot),
            per_slot,
            first,
        );
        if second.is_some() {
            slot = slot.saturating_add(1);
            mark(
                &mut ring_service,
                slot.saturating_mul(per_slot),
                per_slot,
                second,
            );
        }
        slot = slot.saturating_add(1);
    }
    let mut in_use = [false; 8];
    let take = |wanted: RingService, in_use: &mut [bool; 8]| -> Option<u8> {
        let ring = (0..requests).find(|&r| {
            in_use.get(r) == Some(&false) && ring_service.get(r).copied().flatten() == Some(wanted)
        })?;
        if let Some(flag) = in_use.get_mut(ring) {
            *flag = true;
        }
        u8::try_from(ring).ok()
    };
    let mut slot = 0usize;
    while slot < 4 {
        let service = map.get(slot).copied().flatten();
        for _ in 0..per_slot {
            let instance = match service {
                Some(RingService::Crypto) => {
                    match (
                        take(RingService::Asym, &mut in_use),
                        take(RingService::Sym, &mut in_use),
                    ) {
                        (Some(tx), Some(tx_sym)) => Some(Prebuilt {
                            service: RingService::Crypto,
                            tx,
                            tx_sym,
                        }),
                        _ => None,
                    }
                }
                Some(other) => take(other, &mut in_use).map(|tx| Prebuilt {
                    service: other,
                    tx,
                    tx_sym: tx,
                }),
                None => None,
            };
            if let Some(instance) = instance {
                let _ = out.push(instance);
            }
        }
        if service == Some(RingService::Crypto) {
            slot = slot.saturating_add(1);
        }
        slot = slot.saturating_add(1);
    }
    out
}

fn mark(
    rings: &mut [Option<RingService>; 8],
    start: usize,
    count: usize,
    service: Option<RingService>,
) {
    for ring in rings.iter_mut().skip(start).take(count) {
        *ring = service;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DeviceType;

    fn layout(device: DeviceType, services: Services, bank: u16) -> Vec<(RingService, u8, u8)> {
        let profile = device.profile();
        let map = ring_map(profile.generation, services).expect("a map");
        prebuilt(&profile, &map, bank)
            .iter()
            .map(|p| (p.service, p.tx, p.tx_sym))
            .collect()
    }

    #[test]
    fn gen2_cy_has_four_crypto_instances() {
        use RingService::Crypto;
        assert_eq!(
            layout(DeviceType::C6xx, Services::Cy, 0),
            vec![
                (Crypto, 0, 2),
                (Crypto, 1, 3),
                (Crypto, 4, 6),
                (Crypto, 5, 7)
            ]
        );
    }

    #[test]
    fn gen2_cy_dc_wastes_slot_two() {
        use RingService::{Compression, Crypto};
        assert_eq!(
            layout(DeviceType::C6xx, Services::CyDc, 3),
            vec![
                (Crypto, 0, 2),
                (Crypto, 1, 3),
                (Compression, 6, 6),
                (Compression, 7, 7)
            ]
        );
    }

    #[test]
    fn gen2_dc_and_split_services() {
        assert_eq!(layout(DeviceType::Dh895xcc, Services::Dc, 0).len(), 8);
        let asym_dc = layout(DeviceType::C3xxx, Services::AsymDc, 0);
        assert_eq!(asym_dc.len(), 8);
        assert_eq!(asym_dc[0], (RingService::Asym, 0, 0));
        assert_eq!(asym_dc[4], (RingService::Compression, 4, 4));
    }

    #[test]
    fn gen3_halves_the_instances() {
        use RingService::Crypto;
        assert_eq!(
            layout(DeviceType::C4xxx, Services::Cy, 0),
            vec![(Crypto, 0, 1), (Crypto, 2, 3)]
        );
        assert_eq!(layout(DeviceType::C4xxx, Services::Dc, 0).len(), 4);
    }

    #[test]
    fn gen4_one_service_per_bank() {
        use RingService::{Asym, Sym};
        assert_eq!(
            layout(DeviceType::Qat4xxx, Services::AsymSym, 0),
            vec![(Asym, 0, 0)]
        );
        assert_eq!(
            layout(DeviceType::Qat4xxx, Services::AsymSym, 5),
            vec![(Sym, 0, 0)]
        );
        let map = ring_map(Generation::Gen4, Services::AsymDc).expect("a map");
        assert!(!service_enabled(&map, RingService::Sym));
        assert!(service_enabled(&map, RingService::Compression));
        // X, X, DC, DC: compression in banks 2, 3, 6, 7, … (reference §2.6.2).
        let dc: Vec<u16> = (0..8)
            .filter(|b| {
                layout(DeviceType::Qat4xxx, Services::AsymDc, *b)[0].0 == RingService::Compression
            })
            .collect();
        assert_eq!(dc, [2, 3, 6, 7]);
        assert!(
            ring_map(Generation::Gen4, Services::Cy).is_none(),
            "QAT20 has no `cy`"
        );
    }
}
