//! The bank allocator: which bank and rings each instance gets, exactly as the driver decides.
//!
//! The QAT 1.7 (4.24) rules; gen4 has its own allocator ([`super::gen4`]).
//!
//! Reference: OOT-4.24 `adf_cfg_get_ring_pairs`, `adf_cfg_can_be_shared`, `adf_cfg_get_free_instance`
//! and `adf_cfg_get_ring_pairs_from_bundle` (`../shared/reference/qat-semantics.md` §2.4):
//! * kernel instances take a kernel bank whose affinity covers their core, else the first free bank
//!   (which sets `FirstUserBundle`);
//! * polled user instances scan from `FirstUserBundle` and pack into any free or polled bank;
//! * event-driven (epoll) user instances share only banks first claimed by their own derived section
//!   on the same core, else take the first free bank;
//! * "user bundle distribution": when one user section with crypto instances runs one process, its
//!   crypto instances prefer free banks while any remain.
//!
//! On gen2/gen3 every bank has the same layout, so "the first free bank" always holds an instance of
//! the wanted service when any does.

use super::layout::{MAX_PER_BANK, Prebuilt, RingMap, RingService, ServiceCounts, prebuilt};
use crate::profile::DeviceProfile;

/// The most banks any supported device has (c4xxx).
pub const MAX_BANKS: usize = 128;

/// `IsPolled` value of polled instances.
pub const POLLED: u8 = 1;
/// `IsPolled` value of event-driven (epoll) instances.
pub const EPOLL: u8 = 2;

/// Who first claimed a bank: a kernel section or one derived (per-process) section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// `[KERNEL]` (0) or `[KERNEL_QAT]` (1).
    Kernel(u8),
    /// Process `process` of the user section at index `section` of the configuration.
    Process {
        /// Index of the user section.
        section: u16,
        /// Process index.
        process: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Free,
    Kernel,
    User,
}

#[derive(Clone, Copy, Debug)]
struct Bank {
    kind: Kind,
    polling: u8,
    affinity: Option<u32>,
    owner: Option<Owner>,
    used: u8,
}

const FREE_BANK: Bank = Bank {
    kind: Kind::Free,
    polling: u8::MAX,
    affinity: None,
    owner: None,
    used: 0,
};

/// What an instance asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The section asking.
    pub owner: Owner,
    /// Whether it is a kernel section.
    pub kernel: bool,
    /// The service of the instance.
    pub service: RingService,
    /// `IsPolled` (0 interrupt, 1 polled, 2 epoll).
    pub polling: u8,
    /// The core the instance is pinned to.
    pub core: u32,
}

/// The bank and rings an instance gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Assignment {
    /// Bank (bundle) number.
    pub bank: u16,
    /// Request ring (asymmetric one for crypto).
    pub tx: u8,
    /// Response ring of `tx`.
    pub rx: u8,
    /// Symmetric request ring for crypto instances, else `tx`.
    pub tx_sym: u8,
    /// Response ring of `tx_sym`.
    pub rx_sym: u8,
}

/// Allocation state of every bank of one device.
#[derive(Clone, Debug)]
pub struct BankTable {
    profile: DeviceProfile,
    layouts: [heapless::Vec<Prebuilt, MAX_PER_BANK>; 4],
    banks: [Bank; MAX_BANKS],
    count: u16,
    max_kernel: Option<u16>,
    free: u16,
    /// The "user bundle distribution" mode (see the module documentation).
    pub user_distribution: bool,
    used_by_service: ServiceCounts,
}

impl BankTable {
    /// A table with every bank free.
    pub fn new(profile: DeviceProfile, map: &RingMap) -> Self {
        let count = profile.banks.min(MAX_BANKS as u16);
        Self {
            profile,
            layouts: [0u16, 1, 2, 3].map(|bank| prebuilt(&profile, map, bank)),
            banks: [FREE_BANK; MAX_BANKS],
            count,
            max_kernel: None,
            free: count,
            user_distribution: false,
            used_by_service: ServiceCounts::new(),
        }
    }

    /// The first bank user sections may use (`FirstUserBundle`).
    pub fn first_user_bank(&self) -> u16 {
        self.max_kernel.map_or(0, |k| k.saturating_add(1))
    }

    /// How many banks are still free.
    pub fn free_banks(&self) -> u16 {
        self.free
    }

    /// How many banks are in use.
    pub fn used_banks(&self) -> u16 {
        self.count.saturating_sub(self.free)
    }

    /// How many instances of `service` have been placed.
    pub fn used(&self, service: RingService) -> u32 {
        self.used_by_service.of(service)
    }

    /// Instances of `service` one bank can hold (the largest over the bank patterns), the number of
    /// banks that can hold any, and the device total.
    pub fn capacity(&self, service: RingService) -> (u32, u16, u32) {
        let mut total = 0u32;
        let mut banks = 0u16;
        let mut per_bank = 0u32;
        for bank in 0..self.count {
            let here = self
                .layout(bank)
                .iter()
                .filter(|p| p.service == service)
                .count();
            let here = u32::try_from(here).unwrap_or(0);
            if here > 0 {
                banks = banks.saturating_add(1);
                total = total.saturating_add(here);
                per_bank = per_bank.max(here);
            }
        }
        (per_bank, banks, total)
    }

    /// The core bank `bank` is pinned to (interrupt-mode kernel banks and event-driven banks take
    /// the core of the instance that claimed them), if any.
    pub fn affinity(&self, bank: u16) -> Option<u32> {
        self.bank(bank).affinity
    }

    fn layout(&self, bank: u16) -> &[Prebuilt] {
        self.layouts
            .get(usize::from(bank % 4))
            .map_or(&[], |l| l.as_slice())
    }

    fn bank(&self, index: u16) -> Bank {
        self.banks
            .get(usize::from(index))
            .copied()
            .unwrap_or(FREE_BANK)
    }

    /// Places one instance; `None` when no bank can take it.
    pub fn assign(&mut self, request: &Request) -> Option<Assignment> {
        if !request.kernel && request.polling == POLLED {
            let first = self.first_user_bank();
            let bank =
                (first..self.count).find_map(|b| self.free_slot(b, request).map(|i| (b, i)))?;
            return Some(self.take(bank.0, bank.1, request));
        }
        let wanted = if request.kernel {
            Kind::Kernel
        } else {
            Kind::User
        };
        let mut first_free = None;
        for b in 0..self.count {
            let bank = self.bank(b);
            if bank.kind == wanted && bank.affinity.is_none_or(|core| core == request.core) {
                if let Some(slot) = self.free_slot(b, request) {
                    return Some(self.take(b, slot, request));
                }
            } else if first_free.is_none() && bank.kind == Kind::Free {
                first_free = self.free_slot(b, request).map(|slot| (b, slot));
            }
        }
        let (b, slot) = first_free?;
        if request.kernel {
            self.max_kernel = Some(b);
        }
        Some(self.take(b, slot, request))
    }

    fn interrupt_mode(bank: &Bank) -> bool {
        bank.polling == EPOLL || (bank.kind == Kind::Kernel && bank.polling != POLLED)
    }

    fn can_be_shared(&self, bank: &Bank, request: &Request) -> bool {
        if bank.kind == Kind::Free {
            return true;
        }
        if bank.polling != request.polling {
            return false;
        }
        if Self::interrupt_mode(bank) && bank.owner == Some(request.owner) {
            return true;
        }
        if self.user_distribution && request.service != RingService::Compression && self.free > 0 {
            return false;
        }
        !Self::interrupt_mode(bank)
    }

    /// The first unused pre-built instance of the wanted service in bank `b`, if the bank may be
    /// used by this request.
    fn free_slot(&self, b: u16, request: &Request) -> Option<usize> {
        let bank = self.bank(b);
        if !self.can_be_shared(&bank, request) {
            return None;
        }
        self.layout(b)
            .iter()
            .enumerate()
            .find(|(i, p)| p.service == request.service && bank.used & (1u8 << i) == 0)
            .map(|(i, _)| i)
    }

    fn take(&mut self, b: u16, slot: usize, request: &Request) -> Assignment {
        let gap = self.profile.tx_rx_gap();
        let instance = self.layout(b).get(slot).copied().unwrap_or(Prebuilt {
            service: request.service,
            tx: 0,
            tx_sym: 0,
        });
        let free_before = self.free;
        if let Some(bank) = self.banks.get_mut(usize::from(b)) {
            if bank.kind == Kind::Free {
                bank.kind = if request.kernel {
                    Kind::Kernel
                } else {
                    Kind::User
                };
                bank.polling = request.polling;
                bank.owner = Some(request.owner);
                if Self::interrupt_mode(bank) {
                    bank.affinity = Some(request.core);
                }
                self.free = free_before.saturating_sub(1);
            }
            bank.used |= 1u8
                .checked_shl(u32::try_from(slot).unwrap_or(8))
                .unwrap_or(0);
        }
        self.used_by_service.add(request.service);
        Assignment {
            bank: b,
            tx: instance.tx,
            rx: instance.tx.saturating_add(gap),
            tx_sym: instance.tx_sym,
            rx_sym: instance.tx_sym.saturating_add(gap),
        }
    }
}
