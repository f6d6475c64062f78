//! Checks of the kernel sections and the user sections: processes, names and instances, under the
//! rules of the device's driver family (`../shared/reference/qat-semantics.md` §1.5–§1.6, §2.6).

use super::Context;
use super::number::{Reader, check_number};
use crate::config::keys::{self, Family, SectionKind, instance_key};
use crate::config::user::UserSection;
use crate::config::{Entry, SectionRef};
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink};
use crate::limits::{MAX_DERIVED_NAME_LEN, MAX_INSTANCES};
use crate::names::{check_name_str, derived_name};
use crate::profile::Driver;
use crate::value::{CoreList, Services, kernel_auto, kernel_number};

pub(super) fn check<'a>(
    section: &SectionRef<'_, 'a>,
    services: Option<Services>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) {
    match section.kind(context.driver()) {
        SectionKind::Kernel => check_instances(section, services, true, context, sink),
        SectionKind::User => {
            if check_user(section, context, sink) {
                check_instances(section, services, false, context, sink);
            }
        }
        SectionKind::Siov => check_siov(section, sink),
        SectionKind::General | SectionKind::Inert => {}
    }
}

/// QAT20 `[SIOV]`: `NumberAdis` must be a number the kernel can read (decimal or `0x`
/// hexadecimal), or it fails the device; whether the ADIs fit is a capacity question.
fn check_siov<'a>(section: &SectionRef<'_, 'a>, sink: &mut impl DiagnosticSink<'a>) {
    if let Some(entry) = section.get(keys::NUMBER_ADIS)
        && kernel_auto(&entry.value.compact()).is_none()
    {
        sink.report(Diagnostic::new(
            DiagKind::InvalidNumberAdis { value: entry.value },
            entry.value_span,
        ));
    }
}

/// Checks the process keys and names of a user section; returns whether it has processes.
fn check_user<'a>(
    section: &SectionRef<'_, 'a>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> bool {
    let name = section.name();
    let compact = name.compact();
    if check_name_str(&compact).is_err() {
        sink.report(Diagnostic::new(
            DiagKind::UnsafeSectionName { section: name },
            section.span(),
        ));
    }
    if SectionKind::keeps_all_keys(&compact, context.driver()) {
        sink.report(Diagnostic::new(
            DiagKind::KeepsAllKeys { section: name },
            section.span(),
        ));
    }
    let limit = section.get(keys::LIMIT_DEV_ACCESS);
    let limit_ok =
        limit.is_none_or(|entry| check_number(entry, Reader::SlotSearch, sink).is_some());
    let Some(processes_entry) = section.get(keys::NUM_PROCESSES) else {
        sink.report(Diagnostic::new(
            DiagKind::MissingNumProcesses { section: name },
            section.span(),
        ));
        return false;
    };
    let Some(processes) = check_number(processes_entry, Reader::Kernel, sink) else {
        return false;
    };
    if processes == 0 {
        return false;
    }
    if limit_ok {
        let settings = UserSection::of(section);
        let first = derived_name(&compact, settings.limit_dev_access, context.accel_id, 0);
        if first.len() > MAX_DERIVED_NAME_LEN {
            sink.report(Diagnostic::new(
                DiagKind::DerivedNameTooLong {
                    section: name,
                    example: first,
                },
                section.span(),
            ));
        }
    }
    true
}

/// Whether `family` has rings under `services`.
fn enabled(services: Services, family: Family) -> bool {
    match family {
        Family::Cy => services.crypto().is_some(),
        Family::Dc => services.compression(),
    }
}

fn check_instances<'a>(
    section: &SectionRef<'_, 'a>,
    services: Option<Services>,
    kernel: bool,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) {
    for family in Family::ALL {
        let on = services.is_some_and(|s| enabled(s, family));
        // QAT20 does not read the count of a service that is not enabled.
        if !on && services.is_some() && context.driver() == Driver::Qat20 {
            continue;
        }
        let Some(count_entry) = section.get(family.count_key()) else {
            if on {
                sink.report(Diagnostic::new(
                    DiagKind::MissingInstanceCount {
                        section: section.name(),
                        family,
                    },
                    section.span(),
                ));
            }
            continue;
        };
        let Some(count) = check_number(count_entry, Reader::Library, sink) else {
            continue;
        };
        if count > MAX_INSTANCES {
            sink.report(Diagnostic::new(
                DiagKind::TooManyInstances {
                    key: count_entry.key,
                    count,
                },
                count_entry.value_span,
            ));
            continue;
        }
        if let Some(services) = services.filter(|_| count > 0 && !on) {
            sink.report(Diagnostic::new(
                DiagKind::InstancesWithoutService {
                    key: count_entry.key,
                    count,
                    services,
                },
                count_entry.value_span,
            ));
            continue;
        }
        for index in 0..count {
            check_instance(section, family, index, (count_entry, count), kernel, sink);
        }
    }
}

fn check_instance<'a>(
    section: &SectionRef<'_, 'a>,
    family: Family,
    index: u32,
    (count_entry, count): (&Entry<'a>, u32),
    kernel: bool,
    sink: &mut impl DiagnosticSink<'a>,
) {
    let mut require = |suffix: &str| {
        let key = instance_key(family, index, suffix);
        let entry = section.get(&key);
        if entry.is_none() {
            sink.report(Diagnostic::new(
                DiagKind::MissingInstanceKey {
                    section: section.name(),
                    key,
                    count_key: count_entry.key,
                    count,
                },
                count_entry.key_span,
            ));
        }
        entry
    };
    let _ = require(keys::NAME);
    let polled = require(keys::IS_POLLED);
    let affinity = require(keys::CORE_AFFINITY);
    if let Some(entry) = polled {
        let invalid = if kernel {
            // Kernel instances accept any polling mode; the driver only needs to read a number.
            kernel_number(&entry.value.compact()).is_none()
        } else {
            // A value that is not a number was reported by `check_number` already.
            check_number(entry, Reader::Library, sink).is_some_and(|mode| mode != 1 && mode != 2)
        };
        if invalid {
            sink.report(Diagnostic::new(
                DiagKind::InvalidPollingMode {
                    key: entry.key,
                    value: entry.value,
                    kernel,
                },
                entry.value_span,
            ));
        }
    }
    if let Some(entry) = affinity
        && let Err(error) = CoreList::parse(&entry.value.compact())
    {
        sink.report(Diagnostic::new(
            DiagKind::InvalidCoreAffinity {
                key: entry.key,
                value: entry.value,
                error,
            },
            entry.value_span,
        ));
    }
}
