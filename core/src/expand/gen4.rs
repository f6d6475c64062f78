//! The bank allocator of the QAT20 driver (gen4: 4xxx, 401xx, 402xx and their VFs,
//! `../shared/reference/qat-semantics.md` §2.6.5–§2.6.6).
//!
//! Every bank holds one ring pair (ring 0 requests, ring 1 responses) serving slot `bank mod 4` of
//! the ring-to-service map. Each compression instance and each part (asym, sym) of a crypto instance
//! takes the lowest-numbered free bank of its service; the bank is never shared. Kernel instances
//! come first, then the ADIs of `[SIOV]` take the banks right after the highest kernel bank (of any
//! service), then user instances start from bank 0 again, skipping taken banks. There is no
//! `FirstUserBundle`, no packing and no "user bundle distribution".

use super::banks::{Assignment, EPOLL, Request};
use super::layout::{RingMap, RingService, ServiceCounts};
use crate::profile::DeviceProfile;

/// The most banks of a gen4 device (a physical function).
const MAX_BANKS: usize = 64;

/// What a bank is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Free,
    Kernel,
    Adi,
    User,
}

/// Allocation state of every bank of one gen4 device.
#[derive(Clone, Debug)]
pub struct Gen4Banks {
    map: RingMap,
    count: u16,
    banks: [Use; MAX_BANKS],
    affinity: [Option<u32>; MAX_BANKS],
    max_kernel: Option<u16>,
    used_by_service: ServiceCounts,
}

/// `[SIOV]` asked for more ADIs than there are banks after the kernel's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdiShortage {
    /// The first bank the ADIs would take (the highest kernel bank + 1).
    pub first: u16,
    /// ADIs asked for.
    pub adis: u32,
    /// Banks of the device.
    pub banks: u16,
}

impl Gen4Banks {
    /// Every bank free.
    pub fn new(profile: &DeviceProfile, map: RingMap) -> Self {
        Self {
            map,
            count: profile.banks.min(MAX_BANKS as u16),
            banks: [Use::Free; MAX_BANKS],
            affinity: [None; MAX_BANKS],
            max_kernel: None,
            used_by_service: ServiceCounts::new(),
        }
    }

    /// The service of bank `bank`.
    pub fn service(&self, bank: u16) -> Option<RingService> {
        self.map.get(usize::from(bank % 4)).copied().flatten()
    }

    fn get(&self, bank: u16) -> Use {
        self.banks
            .get(usize::from(bank))
            .copied()
            .unwrap_or(Use::Adi)
    }

    /// Places one instance (or one part of a crypto instance) in the lowest free bank of its
    /// service; `None` when none is left.
    pub fn assign(&mut self, request: &Request) -> Option<Assignment> {
        let bank = (0..self.count)
            .find(|&b| self.get(b) == Use::Free && self.service(b) == Some(request.service))?;
        let at = usize::from(bank);
        if let Some(slot) = self.banks.get_mut(at) {
            *slot = if request.kernel {
                Use::Kernel
            } else {
                Use::User
            };
        }
        if (request.kernel || request.polling == EPOLL)
            && let Some(core) = self.affinity.get_mut(at)
        {
            *core = Some(request.core);
        }
        if request.kernel {
            self.max_kernel = Some(self.max_kernel.map_or(bank, |k| k.max(bank)));
        }
        self.used_by_service.add(request.service);
        Some(Assignment {
            bank,
            tx: 0,
            rx: 1,
            tx_sym: 0,
            rx_sym: 1,
        })
    }

    /// Reserves `adis` banks for `[SIOV]` right after the highest kernel bank, whatever their
    /// service; returns the first one.
    pub fn reserve_adis(&mut self, adis: u32) -> Result<u16, AdiShortage> {
        let first = self.max_kernel.map_or(0, |k| k.saturating_add(1));
        let shortage = AdiShortage {
            first,
            adis,
            banks: self.count,
        };
        let end = u32::from(first).checked_add(adis).ok_or(shortage)?;
        if end > u32::from(self.count) {
            return Err(shortage);
        }
        for bank in first..u16::try_from(end).map_err(|_| shortage)? {
            if let Some(slot) = self.banks.get_mut(usize::from(bank)) {
                *slot = Use::Adi;
            }
        }
        Ok(first)
    }

    /// Instances of `service` placed so far.
    pub fn used(&self, service: RingService) -> u32 {
        self.used_by_service.of(service)
    }

    /// One instance per bank; the banks serving `service`; their total.
    pub fn capacity(&self, service: RingService) -> (u32, u16, u32) {
        let banks = u16::try_from(
            (0..self.count)
                .filter(|&b| self.service(b) == Some(service))
                .count(),
        )
        .unwrap_or(0);
        (1, banks, u32::from(banks))
    }

    /// Banks nobody uses.
    pub fn free_banks(&self) -> u16 {
        u16::try_from(
            (0..self.count)
                .filter(|&b| self.get(b) == Use::Free)
                .count(),
        )
        .unwrap_or(0)
    }

    /// Banks in use.
    pub fn used_banks(&self) -> u16 {
        self.count.saturating_sub(self.free_banks())
    }

    /// The core bank `bank` is pinned to (kernel and event-driven banks), if any.
    pub fn affinity(&self, bank: u16) -> Option<u32> {
        self.affinity.get(usize::from(bank)).copied().flatten()
    }
}
