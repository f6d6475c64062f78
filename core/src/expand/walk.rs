//! The expansion walk: every section of a device's configuration, in the driver's order, with every
//! instance placed, streamed to a [`Visitor`].
//!
//! Order (`adf_config_device`): `[GENERAL]`, `[KERNEL]`, `[KERNEL_QAT]`, then every other section
//! sorted byte-wise by name (the order `adf_ctl`'s `std::map` hands them to the kernel). Within a user
//! section: process 0..N-1; within a process: services CRYPTO, COMP, SYM, ASYM; within a service:
//! instance 0..n-1.

use super::banks::{Assignment, BankTable, Owner, Request};
use super::layout::{RingMap, RingService, ring_map, service_enabled};
use super::{ExpandError, Placed, Shortage, Summary, Value, Visitor, WalkError};
use crate::config::keys::{self, Family, SectionKind, instance_key};
use crate::config::{Config, SectionRef};
use crate::diag::Span;
use crate::names::derived_name;
use crate::profile::{DeviceProfile, DeviceType, Generation};
use crate::strings::KeyName;
use crate::validate::read_user_section;
use crate::value::{CoreList, Services, parse_decimal};

/// Keys of `[GENERAL]` the driver removes after expansion.
const GENERAL_REMOVED: [&str; 4] = [
    keys::CONFIG_VERSION,
    keys::CY_NUM_CONCURRENT_ASYM,
    keys::CY_NUM_CONCURRENT_SYM,
    keys::DC_NUM_CONCURRENT,
];

/// Ring depths copied into every instance.
#[derive(Clone, Copy)]
struct Depths {
    asym: u32,
    sym: u32,
    dc: u32,
}

/// What every section of the walk needs.
struct Walk<'c, 'a, 'v, V: Visitor, const S: usize, const K: usize> {
    config: &'c Config<'a, S, K>,
    profile: DeviceProfile,
    services: Services,
    accel_id: u32,
    map: RingMap,
    cross_banks: bool,
    depths: Depths,
    table: BankTable,
    visitor: &'v mut V,
    instances: u32,
}

pub(super) fn run<'a, V: Visitor, const S: usize, const K: usize>(
    config: &Config<'a, S, K>,
    device: DeviceType,
    accel_id: u32,
    visitor: &mut V,
) -> Result<Summary, WalkError<'a, V::Error>> {
    let general = config
        .section(keys::GENERAL)
        .ok_or(WalkError::Expand(ExpandError::NoServices))?;
    let services = general
        .value(keys::SERVICES_ENABLED)
        .and_then(|v| Services::parse(&v.compact()))
        .ok_or(WalkError::Expand(ExpandError::NoServices))?;
    let profile = device.profile();
    let map = ring_map(profile.generation, services);
    let depth = |key, default| {
        general
            .value(key)
            .and_then(|v| parse_decimal(&v.compact()).ok())
            .unwrap_or(default)
    };
    let depths = Depths {
        asym: depth(keys::CY_NUM_CONCURRENT_ASYM, keys::DEFAULT_ASYM_REQUESTS),
        sym: depth(keys::CY_NUM_CONCURRENT_SYM, keys::DEFAULT_SYM_REQUESTS),
        dc: depth(keys::DC_NUM_CONCURRENT, keys::DEFAULT_DC_REQUESTS),
    };
    let cross_banks = profile.generation == Generation::Gen4
        && service_enabled(&map, RingService::Asym)
        && service_enabled(&map, RingService::Sym);

    // A silent pass over the kernel sections gives FirstUserBundle, which [GENERAL] carries.
    let mut probe = NullVisitor;
    let mut pre = Walk {
        config,
        profile,
        services,
        accel_id,
        map,
        cross_banks,
        depths,
        table: BankTable::new(profile, &map),
        visitor: &mut probe,
        instances: 0,
    };
    pre.kernel_sections().map_err(|e| match e {
        WalkError::Expand(e) => WalkError::Expand(e),
        WalkError::Visitor(never) => match never {},
    })?;
    let first_user_bank = pre.table.first_user_bank();

    let mut walk = Walk {
        config,
        profile,
        services,
        accel_id,
        map,
        cross_banks,
        depths,
        table: BankTable::new(profile, &map),
        visitor,
        instances: 0,
    };
    walk.general(&general, first_user_bank)?;
    walk.kernel_sections()?;
    walk.other_sections()?;
    Ok(Summary {
        first_user_bank,
        banks_used: walk.table.used_banks(),
        banks: profile.banks,
        instances: walk.instances,
    })
}

/// A visitor that ignores everything (used for the kernel pre-pass and capacity checks).
pub struct NullVisitor;

impl Visitor for NullVisitor {
    type Error = core::convert::Infallible;

    fn section(&mut self, _: &str) -> Result<(), Self::Error> {
        Ok(())
    }

    fn key(&mut self, _: &str, _: Value<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<'a, V: Visitor, const S: usize, const K: usize> Walk<'_, 'a, '_, V, S, K> {
    fn section(&mut self, name: &str) -> Result<(), WalkError<'a, V::Error>> {
        self.visitor.section(name).map_err(WalkError::Visitor)
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> Result<(), WalkError<'a, V::Error>> {
        self.visitor.key(key, value).map_err(WalkError::Visitor)
    }

    fn general(
        &mut self,
        general: &SectionRef<'_, 'a>,
        first_user_bank: u16,
    ) -> Result<(), WalkError<'a, V::Error>> {
        self.section(keys::GENERAL)?;
        for entry in general.entries() {
            let key = entry.key.compact();
            if !GENERAL_REMOVED.contains(&&*key) {
                self.key(&key, Value::Text(&entry.value.compact()))?;
            }
        }
        self.key(
            keys::FIRST_USER_BUNDLE,
            Value::Number(u32::from(first_user_bank)),
        )
    }

    fn kernel_sections(&mut self) -> Result<(), WalkError<'a, V::Error>> {
        for (owner, name) in [(0u8, keys::KERNEL), (1, keys::KERNEL_QAT)] {
            let Some(section) = self.config.section(name) else {
                continue;
            };
            self.section(name)?;
            for entry in section.entries() {
                self.key(&entry.key.compact(), Value::Text(&entry.value.compact()))?;
            }
            self.instances(&section, Owner::Kernel(owner), name, None, section.span())?;
        }
        Ok(())
    }

    fn other_sections(&mut self) -> Result<(), WalkError<'a, V::Error>> {
        let mut order: heapless::Vec<(u16, SectionRef<'_, 'a>), S> = heapless::Vec::new();
        for (index, section) in (0u16..).zip(self.config.sections()) {
            if matches!(section.kind(), SectionKind::User | SectionKind::Special) {
                let _ = order.push((index, section));
            }
        }
        order.sort_unstable_by(|a, b| {
            a.1.name()
                .compact()
                .as_bytes()
                .cmp(b.1.name().compact().as_bytes())
        });
        let crypto_sections = order
            .iter()
            .filter(|(_, s)| s.kind() == SectionKind::User)
            .filter(|(_, s)| count(s, Family::Cy).unwrap_or(0) != 0)
            .count();
        self.table.user_distribution = crypto_sections == 1;
        for (index, section) in &order {
            if section.kind() == SectionKind::Special {
                self.section(&section.name().compact())?;
                for entry in section.entries() {
                    self.key(&entry.key.compact(), Value::Text(&entry.value.compact()))?;
                }
            } else {
                self.user_section(*index, section)?;
            }
        }
        Ok(())
    }

    fn user_section(
        &mut self,
        index: u16,
        section: &SectionRef<'_, 'a>,
    ) -> Result<(), WalkError<'a, V::Error>> {
        let settings = read_user_section(section);
        let name = section.name();
        let span = section
            .get(keys::NUM_PROCESSES)
            .map_or(section.span(), |e| e.key_span);
        let max = self.profile.max_processes();
        if settings.processes > max {
            return Err(WalkError::Expand(ExpandError::TooManyProcesses {
                section: name,
                span,
                processes: settings.processes,
                max,
            }));
        }
        if settings.processes != 1 {
            self.table.user_distribution = false;
        }
        let base = name.compact();
        self.section(&base)?;
        if let Some(value) = section.value(keys::LIMIT_DEV_ACCESS) {
            self.key(keys::LIMIT_DEV_ACCESS, Value::Text(&value.compact()))?;
        }
        let at_start = Snapshot::of(&self.table);
        for process in 0..settings.processes {
            let derived = derived_name(&base, settings.limit_dev_access, self.accel_id, process);
            self.section(&derived)?;
            for entry in section.entries() {
                let key = entry.key.compact();
                if [
                    keys::CORE_AFFINITY,
                    keys::NUM_PROCESSES,
                    keys::LIMIT_DEV_ACCESS,
                ]
                .iter()
                .any(|skip| key.contains(skip))
                {
                    continue;
                }
                self.key(&key, Value::Text(&entry.value.compact()))?;
            }
            let owner = Owner::Process {
                section: index,
                process,
            };
            self.instances(
                section,
                owner,
                &derived,
                Some((process, settings.processes, at_start)),
                span,
            )?;
        }
        Ok(())
    }

    /// Places and reports every instance of one (derived or kernel) section.
    fn instances(
        &mut self,
        section: &SectionRef<'_, 'a>,
        owner: Owner,
        name: &str,
        process: Option<(u32, u32, Snapshot)>,
        span: Span,
    ) -> Result<(), WalkError<'a, V::Error>> {
        let kernel = process.is_none();
        let first_crypto_pass = RingService::ORDER
            .into_iter()
            .find(|s| *s != RingService::Compression && service_enabled(&self.map, *s));
        for service in RingService::ORDER {
            if !service_enabled(&self.map, service) {
                continue;
            }
            let family = if service == RingService::Compression {
                Family::Dc
            } else {
                Family::Cy
            };
            let instances = count(section, family).map_err(|key| invalid(section, key))?;
            for index in 0..instances {
                let core_key = instance_key(family, index, keys::CORE_AFFINITY);
                let core = section
                    .value(&core_key)
                    .and_then(|v| {
                        let list = v.compact();
                        let list = CoreList::parse(&list).ok()?;
                        Some(list.core_for_process(process.map_or(0, |p| p.0)))
                    })
                    .ok_or_else(|| invalid(section, core_key.clone()))?;
                let polled_key = instance_key(family, index, "IsPolled");
                let polling = section
                    .value(&polled_key)
                    .and_then(|v| parse_decimal(&v.compact()).ok())
                    .and_then(|v| u8::try_from(v).ok())
                    .ok_or_else(|| invalid(section, polled_key))?;
                let request = Request {
                    owner,
                    kernel,
                    service,
                    polling,
                    core,
                };
                let Some(assignment) = self.table.assign(&request) else {
                    let (per_bank, banks_with_service, capacity) = self.table.capacity(service);
                    let (process, processes, at_start) =
                        process.unwrap_or((0, 1, Snapshot::of(&self.table)));
                    return Err(WalkError::Expand(ExpandError::OutOfRings(Shortage {
                        section: section.name(),
                        span,
                        device: self.profile.device_type,
                        services: self.services,
                        process,
                        processes,
                        family,
                        index,
                        instances,
                        service,
                        polling,
                        per_bank,
                        banks_with_service,
                        banks: self.profile.banks,
                        capacity,
                        taken_before: at_start.used(service),
                        free_banks_before: at_start.free_banks,
                    })));
                };
                self.instances = self.instances.saturating_add(1);
                if !kernel && (family == Family::Dc || Some(service) == first_crypto_pass) {
                    self.key(&core_key, Value::Number(core))?;
                }
                self.ring_keys(family, index, service, &assignment)?;
                self.visitor
                    .instance(&Placed {
                        section: name,
                        process: process.map(|p| p.0),
                        family,
                        index,
                        service,
                        core,
                        polling,
                        assignment,
                    })
                    .map_err(WalkError::Visitor)?;
            }
        }
        Ok(())
    }

    fn ring_keys(
        &mut self,
        family: Family,
        index: u32,
        service: RingService,
        a: &Assignment,
    ) -> Result<(), WalkError<'a, V::Error>> {
        let bank_suffix = match service {
            RingService::Asym if self.cross_banks => "BankNumberAsym",
            RingService::Sym if self.cross_banks => "BankNumberSym",
            _ => "BankNumber",
        };
        let d = self.depths;
        let (tx, rx) = (u32::from(a.tx), u32::from(a.rx));
        let (tx_sym, rx_sym) = (u32::from(a.tx_sym), u32::from(a.rx_sym));
        let keys: &[(&str, u32)] = match service {
            RingService::Crypto => &[
                (bank_suffix, u32::from(a.bank)),
                ("RingAsymTx", tx),
                ("RingSymTx", tx_sym),
                ("RingAsymRx", rx),
                ("RingSymRx", rx_sym),
                ("NumConcurrentAsymRequests", d.asym),
                ("NumConcurrentSymRequests", d.sym),
            ],
            RingService::Asym => &[
                (bank_suffix, u32::from(a.bank)),
                ("RingAsymTx", tx),
                ("RingAsymRx", rx),
                ("NumConcurrentAsymRequests", d.asym),
            ],
            RingService::Sym => &[
                (bank_suffix, u32::from(a.bank)),
                ("RingSymTx", tx),
                ("RingSymRx", rx),
                ("NumConcurrentSymRequests", d.sym),
            ],
            RingService::Compression => &[
                (bank_suffix, u32::from(a.bank)),
                ("RingTx", tx),
                ("RingRx", rx),
                ("NumConcurrentRequests", d.dc),
            ],
        };
        for (suffix, value) in keys {
            let key = instance_key(family, index, suffix);
            self.key(&key, Value::Number(*value))?;
        }
        Ok(())
    }
}

/// Allocation counters at the start of a section, for the arithmetic of shortage messages.
#[derive(Clone, Copy, Debug)]
pub(super) struct Snapshot {
    used: [u32; 4],
    free_banks: u16,
}

impl Snapshot {
    fn of(table: &BankTable) -> Self {
        Self {
            used: RingService::ORDER.map(|s| table.used(s)),
            free_banks: table.free_banks(),
        }
    }

    fn used(&self, service: RingService) -> u32 {
        self.used.get(service.index()).copied().unwrap_or(0)
    }
}

/// The instance count of a family; absent means 0 only when the key is absent.
fn count(section: &SectionRef<'_, '_>, family: Family) -> Result<u32, KeyName> {
    match section.value(family.count_key()) {
        None => Ok(0),
        Some(v) => {
            parse_decimal(&v.compact()).map_err(|_| crate::strings::copy(family.count_key()))
        }
    }
}

fn invalid<'a, E>(section: &SectionRef<'_, 'a>, key: KeyName) -> WalkError<'a, E> {
    WalkError::Expand(ExpandError::Invalid {
        section: section.name(),
        key,
    })
}
