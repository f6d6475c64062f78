//! The rules of a device set (one file per device, in accel-id order): consistency across the
//! devices of one machine, which derived names can really be handed out, and how many slots each
//! user section offers in total.
//!
//! The driver accepts inconsistent sets; Intel's Kubernetes device plugin rejects them. qsal warns
//! (errors under `--strict`): a section's `LimitDevAccess` must agree on every device, a
//! `LimitDevAccess = 0` section must have the same `NumProcesses` everywhere, a `LimitDevAccess = 1`
//! section must exist on every device, and a section's instance counts must agree. A
//! `LimitDevAccess = 0` section present on only some devices is legal (its processes simply have
//! instances on fewer devices).
//!
//! Derived names beyond what the slot search of a device tries (`GET_MAX_PROCESSES`), or of 32
//! bytes or more, exist but are never handed out: a warning that counts the real slots (with
//! `LimitDevAccess = 0` a name one device stops before can still come from another device with a
//! higher limit, so the set decides).

use super::Context;
use crate::config::keys::{self, Family, SectionKind};
use crate::config::user::UserSection;
use crate::config::{Config, Entry, SectionRef};
use crate::diag::{DiagKind, Diagnostic, SlotLimit, Span};
use crate::limits::MAX_DERIVED_NAME_LEN;
use crate::names::derived_name;
use crate::value::parse_decimal;

/// Checks a device set; `contexts[i]` describes file `i`; `report(file, diagnostic)` receives each
/// finding with the index of the file it belongs to. A set of one file is a set too (its slot
/// limits are checked).
pub fn check_devices<'a, const SECTIONS: usize, const KEYS: usize>(
    configs: &[Config<'a, SECTIONS, KEYS>],
    contexts: &[Context],
    mut report: impl FnMut(usize, Diagnostic<'a>),
) {
    let context = |i: usize| contexts.get(i).copied().unwrap_or_default();
    for (here, config) in configs.iter().enumerate() {
        let driver = context(here).driver();
        for section in config
            .sections()
            .filter(|s| s.kind(driver) == SectionKind::User)
        {
            let name = section.name().compact();
            check_slots(configs, &context, here, &section, &mut report);
            let Some((first, reference)) = first_with(configs, &name) else {
                continue;
            };
            if first == here {
                continue;
            }
            let device = u32::try_from(first).unwrap_or(u32::MAX);
            compare(&section, &reference, device, |d| report(here, d));
        }
    }
    // Pinned (LimitDevAccess = 1) sections missing on a device.
    for (first, config) in configs.iter().enumerate() {
        let driver = context(first).driver();
        for section in config
            .sections()
            .filter(|s| s.kind(driver) == SectionKind::User)
        {
            let name = section.name().compact();
            if first_with(configs, &name).map(|(i, _)| i) != Some(first)
                || !UserSection::of(&section).limit_dev_access
            {
                continue;
            }
            for (here, other) in configs.iter().enumerate() {
                if other.section(&name).is_none() {
                    report(
                        here,
                        Diagnostic::new(
                            DiagKind::LimitedSectionMissing {
                                section: section.name(),
                                device: u32::try_from(first).unwrap_or(u32::MAX),
                            },
                            Span::FILE,
                        ),
                    );
                }
            }
        }
    }
}

/// The rules that compare a section with its first occurrence on device `device`.
fn compare<'a>(
    section: &SectionRef<'_, 'a>,
    reference: &SectionRef<'_, 'a>,
    device: u32,
    mut report: impl FnMut(Diagnostic<'a>),
) {
    let ours = UserSection::of(section);
    let theirs = UserSection::of(reference);
    if ours.limit_dev_access != theirs.limit_dev_access {
        report(Diagnostic::new(
            DiagKind::LimitDevAccessDiffers {
                section: section.name(),
                here: ours.limit_dev_access,
                there: theirs.limit_dev_access,
                device,
            },
            key_span(section, keys::LIMIT_DEV_ACCESS),
        ));
    } else if !ours.limit_dev_access && ours.processes != theirs.processes {
        report(Diagnostic::new(
            DiagKind::NumProcessesDiffers {
                section: section.name(),
                here: ours.processes,
                there: theirs.processes,
                device,
            },
            key_span(section, keys::NUM_PROCESSES),
        ));
    }
    for family in Family::ALL {
        if let (Some((entry, here)), Some((_, there))) =
            (count(section, family), count(reference, family))
            && here != there
        {
            report(Diagnostic::new(
                DiagKind::InstanceCountsDiffer {
                    section: section.name(),
                    key: entry.key,
                    here,
                    there,
                    device,
                },
                entry.value_span,
            ));
        }
    }
}

/// The instance count of `family` in `section`, when it is a decimal number.
fn count<'c, 'a>(section: &SectionRef<'c, 'a>, family: Family) -> Option<(&'c Entry<'a>, u32)> {
    section
        .get(family.count_key())
        .and_then(|e| parse_decimal(&e.value.compact()).ok().map(|n| (e, n)))
}

/// How many derived names of `section` on the device of `context` can be handed out, and what
/// stops the others (`None` when all can).
fn usable_here(section: &SectionRef<'_, '_>, context: &Context) -> (u32, Option<SlotLimit>) {
    let settings = UserSection::of(section);
    let base = section.name().compact();
    let mut usable = settings.processes;
    let mut limit = None;
    if let Some(device) = context.device {
        let max = device.profile().max_processes();
        if max < usable {
            usable = max;
            limit = Some(SlotLimit::Search { device, max });
        }
    }
    // Names only grow with the process index; the first one too long stops the rest.
    if let Some(n) = (0..usable).find(|&n| {
        derived_name(&base, settings.limit_dev_access, context.accel_id, n).len()
            > MAX_DERIVED_NAME_LEN
    }) {
        usable = n;
        limit = Some(SlotLimit::NameLength {
            first_long: derived_name(&base, settings.limit_dev_access, context.accel_id, n),
        });
    }
    (usable, limit)
}

/// Warns when some derived names of `section` (in file `here`) are never handed out. With
/// `LimitDevAccess = 0` every device has the same names, so the best device of the set counts.
fn check_slots<'a, const SECTIONS: usize, const KEYS: usize>(
    configs: &[Config<'a, SECTIONS, KEYS>],
    context: &impl Fn(usize) -> Context,
    here: usize,
    section: &SectionRef<'_, 'a>,
    report: &mut impl FnMut(usize, Diagnostic<'a>),
) {
    let settings = UserSection::of(section);
    let (mut usable, mut limit) = usable_here(section, &context(here));
    if !settings.limit_dev_access {
        let name = section.name().compact();
        for (i, config) in configs.iter().enumerate() {
            if let Some(other) = config.section(&name)
                && !UserSection::of(&other).limit_dev_access
            {
                let (theirs, their_limit) = usable_here(&other, &context(i));
                if theirs.min(settings.processes) > usable {
                    usable = theirs.min(settings.processes);
                    limit = their_limit;
                }
            }
        }
    }
    let Some(limit) = limit.filter(|_| usable < settings.processes) else {
        return;
    };
    if usable == 0 && matches!(limit, SlotLimit::NameLength { .. }) {
        // The name of process 0 is too long: validation reported it (Q401).
        return;
    }
    let base = section.name().compact();
    let accel_id = context(here).accel_id;
    let name = |n: u32| derived_name(&base, settings.limit_dev_access, accel_id, n);
    report(
        here,
        Diagnostic::new(
            DiagKind::UnusableSlots {
                section: section.name(),
                processes: settings.processes,
                usable,
                first: name(0),
                last: usable.checked_sub(1).map(name).unwrap_or_default(),
                limit,
            },
            key_span(section, keys::NUM_PROCESSES),
        ),
    );
}

/// How many distinct derived names (slots) user section `name` has across the device set: a
/// `LimitDevAccess = 1` device contributes its own `NumProcesses` names, `LimitDevAccess = 0`
/// devices share the names `S_INT_0…`, so they contribute their largest `NumProcesses` once.
pub fn total_slots<const SECTIONS: usize, const KEYS: usize>(
    configs: &[Config<'_, SECTIONS, KEYS>],
    name: &str,
) -> u32 {
    let mut pinned: u32 = 0;
    let mut shared: u32 = 0;
    for config in configs {
        if let Some(section) = config.section(name) {
            let settings = UserSection::of(&section);
            if settings.limit_dev_access {
                pinned = pinned.saturating_add(settings.processes);
            } else {
                shared = shared.max(settings.processes);
            }
        }
    }
    pinned.saturating_add(shared)
}

/// The first file (lowest accel id) that has section `name`.
fn first_with<'c, 'a, const SECTIONS: usize, const KEYS: usize>(
    configs: &'c [Config<'a, SECTIONS, KEYS>],
    name: &str,
) -> Option<(usize, SectionRef<'c, 'a>)> {
    configs
        .iter()
        .enumerate()
        .find_map(|(i, c)| c.section(name).map(|s| (i, s)))
}

fn key_span(section: &SectionRef<'_, '_>, key: &str) -> Span {
    section.get(key).map_or(section.span(), |e| e.value_span)
}
