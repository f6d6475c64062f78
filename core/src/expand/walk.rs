//! The expansion walk: every section of a device's configuration, in the driver's order, with every
//! instance placed, streamed to a [`Visitor`] (`../shared/reference/qat-semantics.md` §2.2, §2.6.4).
//!
//! Order: `[GENERAL]`; the kernel sections (`[KERNEL]`, and `[KERNEL_QAT]` on QAT 1.7); on QAT20
//! `[SIOV]`, whose ADIs take banks next; then every other section sorted byte-wise by name (the order
//! `adf_ctl`'s `std::map` hands them to the kernel); last the generated `[Accelerator0]` with the
//! per-bank interrupt coalescing settings and core affinity. Within a user section: process 0..N-1;
//! within a process: services CRYPTO, COMP, SYM, ASYM; within a service: instance 0..n-1.
//!
//! The walk runs twice: a silent pass places everything, because `[GENERAL]` carries
//! `FirstUserBundle` and `[Accelerator0]` the final bank affinities, both known only at the end;
//! the second pass reports it all to the visitor.

use core::convert::Infallible;

use super::banks::{Assignment, BankTable, Owner, Request};
use super::gen4::Gen4Banks;
use super::layout::{RingMap, RingService, ring_map, service_enabled};
use super::{ExpandError, Placed, Shortage, Summary, Value, Visitor};
use crate::config::keys::{self, Family, PairKeys, SectionKind, instance_key};
use crate::config::user::UserSection;
use crate::config::{Config, SectionRef};
use crate::diag::Span;
use crate::names::derived_name;
use crate::profile::{DeviceProfile, DeviceType, Driver};
use crate::strings::{KeyName, copy};
use crate::value::{CoreList, Services, kernel_auto, kernel_number};

/// Keys of `[GENERAL]` the driver removes after expansion.
const GENERAL_REMOVED: [&str; 4] = [
    keys::CONFIG_VERSION,
    keys::CY_NUM_CONCURRENT_ASYM,
    keys::CY_NUM_CONCURRENT_SYM,
    keys::DC_NUM_CONCURRENT,
];

/// The per-bank keys of a generated accelerator section (`Bank<b>…`): three interrupt coalescing
/// settings taken from `[GENERAL]`, then the bank's core affinity.
const BANK_KEYS: [&str; 4] = [
    "InterruptCoalescingEnabled",
    "InterruptCoalescingTimerNs",
    "InterruptCoalescingNumResponses",
    "CoreAffinity",
];

/// `Bank<b>CoreAffinity` of a bank no instance pinned (`ADF_CFG_AFFINITY_WHATEVER`).
const ANY_CORE: u32 = 255;

/// What the whole walk needs from `[GENERAL]` and the device.
struct Settings {
    profile: DeviceProfile,
    driver: Driver,
    services: Services,
    map: RingMap,
    depths: [u32; 3],
    bank_values: [u32; 3],
}

impl Settings {
    fn depth(&self, service: RingService) -> u32 {
        let [asym, sym, dc] = self.depths;
        match service {
            RingService::Asym => asym,
            RingService::Sym => sym,
            RingService::Compression => dc,
            RingService::Crypto => asym,
        }
    }
}

/// The bank allocator of the device's driver family.
#[derive(Clone, Debug)]
enum Banks {
    Qat17(BankTable),
    Qat20(Gen4Banks),
}

impl Banks {
    fn new(profile: &DeviceProfile, map: RingMap) -> Self {
        match profile.driver() {
            Driver::Qat17 => Self::Qat17(BankTable::new(*profile, &map)),
            Driver::Qat20 => Self::Qat20(Gen4Banks::new(profile, map)),
        }
    }

    fn assign(&mut self, request: &Request) -> Option<Assignment> {
        match self {
            Self::Qat17(t) => t.assign(request),
            Self::Qat20(t) => t.assign(request),
        }
    }

    fn first_user_bank(&self) -> Option<u16> {
        match self {
            Self::Qat17(t) => Some(t.first_user_bank()),
            Self::Qat20(_) => None,
        }
    }

    fn used(&self, service: RingService) -> u32 {
        match self {
            Self::Qat17(t) => t.used(service),
            Self::Qat20(t) => t.used(service),
        }
    }

    fn capacity(&self, service: RingService) -> (u32, u16, u32) {
        match self {
            Self::Qat17(t) => t.capacity(service),
            Self::Qat20(t) => t.capacity(service),
        }
    }

    fn free_banks(&self) -> u16 {
        match self {
            Self::Qat17(t) => t.free_banks(),
            Self::Qat20(t) => t.free_banks(),
        }
    }

    fn used_banks(&self) -> u16 {
        match self {
            Self::Qat17(t) => t.used_banks(),
            Self::Qat20(t) => t.used_banks(),
        }
    }

    fn affinity(&self, bank: u16) -> Option<u32> {
        match self {
            Self::Qat17(t) => t.affinity(bank),
            Self::Qat20(t) => t.affinity(bank),
        }
    }

    /// Switches the 4.24 "user bundle distribution" (no such thing on QAT20).
    fn set_user_distribution(&mut self, on: bool) {
        if let Self::Qat17(t) = self {
            t.user_distribution = on;
        }
    }
}

/// What every section of the walk needs.
struct Walk<'c, 'a, 'v, 's, const SECTIONS: usize, const KEYS: usize> {
    config: &'c Config<'a, SECTIONS, KEYS>,
    settings: &'s Settings,
    accel_id: u32,
    banks: Banks,
    /// The silent pass's result (`None` during the silent pass itself).
    finished: Option<&'s Banks>,
    /// Where the walk reports to; one type for every visitor, so the walk is compiled once.
    visitor: &'v mut dyn Visitor<Error = Infallible>,
    instances: u32,
    accelerators_emitted: u32,
}

pub(super) fn run<'a, const SECTIONS: usize, const KEYS: usize>(
    config: &Config<'a, SECTIONS, KEYS>,
    device: DeviceType,
    accel_id: u32,
    visitor: &mut dyn Visitor<Error = Infallible>,
) -> Result<Summary, ExpandError<'a>> {
    let profile = device.profile();
    let general = config
        .section(keys::GENERAL)
        .ok_or(ExpandError::NoServices)?;
    let services = general
        .value(keys::SERVICES_ENABLED)
        .and_then(|v| Services::parse(&v.compact()))
        .ok_or(ExpandError::NoServices)?;
    let map = ring_map(profile.generation, services).ok_or(ExpandError::NoServices)?;
    let number = |key: &str, default: u32| {
        general
            .value(key)
            .and_then(|v| kernel_number(&v.compact()))
            .unwrap_or(default)
    };
    let settings = Settings {
        profile,
        driver: profile.driver(),
        services,
        map,
        depths: [
            number(keys::CY_NUM_CONCURRENT_ASYM, keys::DEFAULT_ASYM_REQUESTS),
            number(keys::CY_NUM_CONCURRENT_SYM, keys::DEFAULT_SYM_REQUESTS),
            number(keys::DC_NUM_CONCURRENT, keys::DEFAULT_DC_REQUESTS),
        ],
        bank_values: [
            number(keys::COALESCING_ENABLED, 1),
            number(keys::COALESCING_TIMER_NS, 10_000),
            number(keys::COALESCING_NUM_RESPONSES, 0),
        ],
    };

    let mut silent_visitor = NullVisitor;
    let mut silent = Walk {
        config,
        settings: &settings,
        accel_id,
        banks: Banks::new(&profile, map),
        finished: None,
        visitor: &mut silent_visitor,
        instances: 0,
        accelerators_emitted: 0,
    };
    silent.body()?;
    // Borrowed, not moved: a bank table is kilobytes, and a firmware's stack is small.
    let placed = &silent.banks;

    let mut walk = Walk {
        config,
        settings: &settings,
        accel_id,
        banks: Banks::new(&profile, map),
        finished: Some(placed),
        visitor,
        instances: 0,
        accelerators_emitted: 0,
    };
    walk.general(&general, placed.first_user_bank())?;
    walk.body()?;
    walk.generated_accelerators()?;
    Ok(Summary {
        first_user_bank: placed.first_user_bank(),
        banks_used: placed.used_banks(),
        banks: profile.banks,
        instances: walk.instances,
    })
}

/// A visitor that ignores everything (used for the silent pass and capacity checks).
pub struct NullVisitor;

impl Visitor for NullVisitor {
    type Error = Infallible;

    fn section(&mut self, _: &str) -> Result<(), Self::Error> {
        Ok(())
    }

    fn key(&mut self, _: &str, _: Value<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A visitor as the walk sees it, `dyn Visitor<Error = Infallible>`: the first error `visitor`
/// returns is kept in `error` and every later call is skipped, so one compiled walk serves every
/// visitor. The walk goes on to its end after such an error; [`super::expand`] reports the
/// visitor's error before the walk's own.
pub(super) struct Erased<'v, V: Visitor> {
    /// The visitor.
    pub(super) visitor: &'v mut V,
    /// Its first error.
    pub(super) error: Option<V::Error>,
}

impl<V: Visitor> Erased<'_, V> {
    /// Makes `call` on the visitor unless it already failed, keeping its error if it fails now.
    fn forward(
        &mut self,
        call: impl FnOnce(&mut V) -> Result<(), V::Error>,
    ) -> Result<(), Infallible> {
        if self.error.is_none()
            && let Err(e) = call(self.visitor)
        {
            self.error = Some(e);
        }
        Ok(())
    }
}

impl<V: Visitor> Visitor for Erased<'_, V> {
    type Error = Infallible;

    fn section(&mut self, name: &str) -> Result<(), Infallible> {
        self.forward(|visitor| visitor.section(name))
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> Result<(), Infallible> {
        self.forward(|visitor| visitor.key(key, value))
    }

    fn instance(&mut self, placed: &Placed<'_>) -> Result<(), Infallible> {
        self.forward(|visitor| visitor.instance(placed))
    }
}

/// The name of generated accelerator section `n` (`Accelerator0`).
fn accelerator_name(n: u32) -> KeyName {
    keys::numbered_key(keys::ACCELERATOR, n, "")
}

/// Whether `key` is one of the per-bank keys the driver writes into an accelerator section.
fn is_bank_key(key: &str) -> bool {
    key.strip_prefix("Bank").is_some_and(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0
            && rest
                .get(digits..)
                .is_some_and(|suffix| BANK_KEYS.contains(&suffix))
    })
}

impl<'a, const SECTIONS: usize, const KEYS: usize> Walk<'_, 'a, '_, '_, SECTIONS, KEYS> {
    fn section(&mut self, name: &str) -> Result<(), ExpandError<'a>> {
        let Ok(()) = self.visitor.section(name);
        Ok(())
    }

    fn key(&mut self, key: &str, value: Value<'_>) -> Result<(), ExpandError<'a>> {
        let Ok(()) = self.visitor.key(key, value);
        Ok(())
    }

    /// Reports every key of `section` as it is (skipping generated bank keys when `merging`).
    fn all_keys(
        &mut self,
        section: &SectionRef<'_, 'a>,
        merging: bool,
    ) -> Result<(), ExpandError<'a>> {
        for entry in section.entries() {
            let key = entry.key.compact();
            if !(merging && is_bank_key(&key)) {
                self.key(&key, Value::Text(&entry.value.compact()))?;
            }
        }
        Ok(())
    }

    fn general(
        &mut self,
        general: &SectionRef<'_, 'a>,
        first_user_bank: Option<u16>,
    ) -> Result<(), ExpandError<'a>> {
        self.section(keys::GENERAL)?;
        for entry in general.entries() {
            let key = entry.key.compact();
            if !GENERAL_REMOVED.contains(&&*key) {
                self.key(&key, Value::Text(&entry.value.compact()))?;
            }
        }
        match first_user_bank {
            Some(bank) => self.key(keys::FIRST_USER_BUNDLE, Value::Number(u32::from(bank))),
            None => Ok(()),
        }
    }

    fn body(&mut self) -> Result<(), ExpandError<'a>> {
        self.kernel_sections()?;
        if self.settings.driver == Driver::Qat20 {
            self.siov()?;
        }
        self.other_sections()
    }

    fn kernel_sections(&mut self) -> Result<(), ExpandError<'a>> {
        let names: &[(u8, &str)] = match self.settings.driver {
            Driver::Qat17 => &[(0, keys::KERNEL), (1, keys::KERNEL_QAT)],
            Driver::Qat20 => &[(0, keys::KERNEL)],
        };
        for (owner, name) in names {
            let Some(section) = self.config.section(name) else {
                continue;
            };
            self.section(name)?;
            self.all_keys(&section, false)?;
            self.instances(&section, Owner::Kernel(*owner), name, None, section.span())?;
        }
        Ok(())
    }

    /// QAT20 `[SIOV]`: `NumberAdis` banks right after the kernel's, whatever their service, each
    /// reported as `Adi<j>BankNumber`, `Adi<j>Type`, `Adi<j>RingTx`, `Adi<j>RingRx`.
    fn siov(&mut self) -> Result<(), ExpandError<'a>> {
        let Some(section) = self.config.section(keys::SIOV) else {
            return Ok(());
        };
        self.section(keys::SIOV)?;
        self.all_keys(&section, false)?;
        let entry = section.get(keys::NUMBER_ADIS);
        let adis = match entry {
            None => 0,
            Some(entry) => {
                kernel_auto(&entry.value.compact()).ok_or_else(|| ExpandError::Invalid {
                    section: section.name(),
                    key: copy(keys::NUMBER_ADIS),
                })?
            }
        };
        if adis == 0 {
            return Ok(());
        }
        let Banks::Qat20(table) = &mut self.banks else {
            return Ok(());
        };
        let first = table
            .reserve_adis(adis)
            .map_err(|shortage| ExpandError::TooManyAdis {
                span: entry.map_or(section.span(), |e| e.value_span),
                first: shortage.first,
                adis: shortage.adis,
                banks: shortage.banks,
            })?;
        let services: heapless::Vec<Option<RingService>, 64> = (0..adis)
            .map(|j| table.service(first.saturating_add(u16::try_from(j).unwrap_or(0))))
            .collect();
        for (j, service) in (0u32..).zip(services) {
            let bank = u32::from(first).saturating_add(j);
            let kind = match service {
                Some(RingService::Compression) => "dc",
                Some(RingService::Sym) => "sym",
                _ => "asym",
            };
            let adi_key = |suffix: &str| keys::numbered_key("Adi", j, suffix);
            self.key(&adi_key("BankNumber"), Value::Number(bank))?;
            self.key(&adi_key("Type"), Value::Text(kind))?;
            self.key(&adi_key("RingTx"), Value::Number(0))?;
            self.key(&adi_key("RingRx"), Value::Number(1))?;
        }
        Ok(())
    }

    fn other_sections(&mut self) -> Result<(), ExpandError<'a>> {
        let driver = self.settings.driver;
        let mut order: heapless::Vec<(u16, SectionRef<'_, 'a>), SECTIONS> = heapless::Vec::new();
        for (index, section) in (0u16..).zip(self.config.sections()) {
            if matches!(section.kind(driver), SectionKind::User | SectionKind::Inert) {
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
            .filter(|(_, s)| s.kind(driver) == SectionKind::User)
            .filter(|(_, s)| count(s, Family::Cy).unwrap_or(0) != 0)
            .count();
        self.banks.set_user_distribution(crypto_sections == 1);
        for (index, section) in &order {
            if section.kind(driver) == SectionKind::Inert {
                self.section(&section.name().compact())?;
                self.all_keys(section, false)?;
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
    ) -> Result<(), ExpandError<'a>> {
        let settings = UserSection::of(section);
        let name = section.name();
        let span = section
            .get(keys::NUM_PROCESSES)
            .map_or(section.span(), |e| e.key_span);
        if settings.processes != 1 {
            self.banks.set_user_distribution(false);
        }
        let base = name.compact();
        let accelerator = (0..self.settings.profile.logical_accelerators())
            .any(|n| accelerator_name(n).as_str() == &*base);
        self.section(&base)?;
        if SectionKind::keeps_all_keys(&base, self.settings.driver) {
            self.all_keys(section, accelerator)?;
        } else if let Some(value) = section.value(keys::LIMIT_DEV_ACCESS) {
            self.key(keys::LIMIT_DEV_ACCESS, Value::Text(&value.compact()))?;
        }
        if accelerator {
            self.bank_keys()?;
            self.accelerators_emitted = self.accelerators_emitted.saturating_add(1);
        }
        let at_start = Snapshot::of(&self.banks);
        // Which keys every derived section copies, decided once per section rather than once per
        // key and process (a section has at most KEYS entries).
        let mut copied: heapless::Vec<bool, KEYS> = heapless::Vec::new();
        for entry in section.entries() {
            let key = entry.key.compact();
            let skip = [
                keys::CORE_AFFINITY,
                keys::NUM_PROCESSES,
                keys::LIMIT_DEV_ACCESS,
            ]
            .iter()
            .any(|skip| key.contains(skip));
            // Cannot overflow: a section has no more entries than the configuration.
            let _ = copied.push(!skip);
        }
        for process in 0..settings.processes {
            let derived = derived_name(&base, settings.limit_dev_access, self.accel_id, process);
            self.section(&derived)?;
            for (entry, copy) in section.entries().zip(copied.iter()) {
                if *copy {
                    self.key(&entry.key.compact(), Value::Text(&entry.value.compact()))?;
                }
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

    /// The per-bank keys of an accelerator section, from the silent pass's final placement.
    fn bank_keys(&mut self) -> Result<(), ExpandError<'a>> {
        let Some(finished) = self.finished else {
            return Ok(());
        };
        let [enabled, timer, responses] = self.settings.bank_values;
        for bank in 0..self.settings.profile.banks {
            let core = finished.affinity(bank).unwrap_or(ANY_CORE);
            for (suffix, value) in BANK_KEYS.iter().zip([enabled, timer, responses, core]) {
                let key = keys::numbered_key("Bank", u32::from(bank), suffix);
                self.key(&key, Value::Number(value))?;
            }
        }
        Ok(())
    }

    /// The accelerator sections the kernel generates last, unless a user section of that name
    /// already received their keys.
    fn generated_accelerators(&mut self) -> Result<(), ExpandError<'a>> {
        for n in self.accelerators_emitted..self.settings.profile.logical_accelerators() {
            self.section(&accelerator_name(n))?;
            self.bank_keys()?;
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
    ) -> Result<(), ExpandError<'a>> {
        let kernel = process.is_none();
        let map = self.settings.map;
        let first_crypto_pass = RingService::ORDER
            .into_iter()
            .find(|s| *s != RingService::Compression && service_enabled(&map, *s));
        for service in RingService::ORDER {
            if !service_enabled(&map, service) {
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
                let polled_key = instance_key(family, index, keys::IS_POLLED);
                let polling = section
                    .value(&polled_key)
                    .and_then(|v| kernel_number(&v.compact()))
                    .and_then(|v| u8::try_from(v).ok())
                    .ok_or_else(|| invalid(section, polled_key))?;
                let request = Request {
                    owner,
                    kernel,
                    service,
                    polling,
                    core,
                };
                let Some(assignment) = self.banks.assign(&request) else {
                    let (per_bank, banks_with_service, capacity) = self.banks.capacity(service);
                    let (process, processes, at_start) =
                        process.unwrap_or((0, 1, Snapshot::of(&self.banks)));
                    return Err(ExpandError::OutOfRings(Shortage {
                        section: section.name(),
                        span,
                        device: self.settings.profile.device_type,
                        services: self.settings.services,
                        process,
                        processes,
                        family,
                        index,
                        instances,
                        service,
                        polling,
                        per_bank,
                        banks_with_service,
                        banks: self.settings.profile.banks,
                        capacity,
                        taken_before: at_start.used(service),
                        free_banks_before: at_start.free_banks,
                    }));
                };
                self.instances = self.instances.saturating_add(1);
                if !kernel && (family == Family::Dc || Some(service) == first_crypto_pass) {
                    self.key(&core_key, Value::Number(core))?;
                }
                self.ring_keys(family, index, service, &assignment)?;
                let Ok(()) = self.visitor.instance(&Placed {
                    section: name,
                    process: process.map(|p| p.0),
                    family,
                    index,
                    service,
                    core,
                    polling,
                    assignment,
                });
            }
        }
        Ok(())
    }

    /// The bank, ring and depth keys of one placed instance, named from the key table.
    fn ring_keys(
        &mut self,
        family: Family,
        index: u32,
        service: RingService,
        a: &Assignment,
    ) -> Result<(), ExpandError<'a>> {
        // QAT20 names a crypto part's bank `BankNumberAsym` / `BankNumberSym`; everything else
        // (QAT 1.7, and compression everywhere) `BankNumber`.
        let bank_key = |pair: &PairKeys| match self.settings.driver {
            Driver::Qat20 => pair.cross_bank,
            Driver::Qat17 => keys::BANK_NUMBER,
        };
        let (tx, rx) = (u32::from(a.tx), u32::from(a.rx));
        let (tx_sym, rx_sym) = (u32::from(a.tx_sym), u32::from(a.rx_sym));
        let (asym, sym, dc) = (&keys::ASYM_PAIR, &keys::SYM_PAIR, &keys::DC_PAIR);
        let depth = |s| self.settings.depth(s);
        let list: heapless::Vec<(&str, u32), 7> = match service {
            RingService::Crypto => [
                (keys::BANK_NUMBER, u32::from(a.bank)),
                (asym.tx, tx),
                (sym.tx, tx_sym),
                (asym.rx, rx),
                (sym.rx, rx_sym),
                (asym.depth, depth(RingService::Asym)),
                (sym.depth, depth(RingService::Sym)),
            ]
            .into_iter()
            .collect(),
            RingService::Asym => [
                (bank_key(asym), u32::from(a.bank)),
                (asym.tx, tx),
                (asym.rx, rx),
                (asym.depth, depth(RingService::Asym)),
            ]
            .into_iter()
            .collect(),
            RingService::Sym => [
                (bank_key(sym), u32::from(a.bank)),
                (sym.tx, tx),
                (sym.rx, rx),
                (sym.depth, depth(RingService::Sym)),
            ]
            .into_iter()
            .collect(),
            RingService::Compression => [
                (keys::BANK_NUMBER, u32::from(a.bank)),
                (dc.tx, tx),
                (dc.rx, rx),
                (dc.depth, depth(RingService::Compression)),
            ]
            .into_iter()
            .collect(),
        };
        for (suffix, value) in list {
            let key = instance_key(family, index, suffix);
            self.key(&key, Value::Number(value))?;
        }
        Ok(())
    }
}

/// Allocation counters at the start of a section, for the arithmetic of shortage messages.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    used: [u32; 4],
    free_banks: u16,
}

impl Snapshot {
    fn of(banks: &Banks) -> Self {
        Self {
            used: RingService::ORDER.map(|s| banks.used(s)),
            free_banks: banks.free_banks(),
        }
    }

    fn used(&self, service: RingService) -> u32 {
        self.used.get(service.index()).copied().unwrap_or(0)
    }
}

/// The instance count of a family as the kernel reads it (decimal, else hexadecimal); absent
/// means 0, anything else the driver refuses.
fn count(section: &SectionRef<'_, '_>, family: Family) -> Result<u32, KeyName> {
    match section.value(family.count_key()) {
        None => Ok(0),
        Some(v) => kernel_number(&v.compact()).ok_or_else(|| copy(family.count_key())),
    }
}

fn invalid<'a>(section: &SectionRef<'_, 'a>, key: KeyName) -> ExpandError<'a> {
    ExpandError::Invalid {
        section: section.name(),
        key,
    }
}
