//! Checks of `[KERNEL]`, `[KERNEL_QAT]` and user sections: processes, names and instances.

use super::Context;
use crate::config::keys::{self, Family, SectionKind, instance_key};
use crate::config::{Entry, SectionRef};
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink};
use crate::limits::{MAX_DERIVED_NAME_LEN, MAX_INSTANCES};
use crate::names::{check_name, derived_name};
use crate::value::{CoreList, Services, parse_decimal};

/// The process settings of a user section, read the one way every layer reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSection {
    /// `NumProcesses`; 0 when absent or not a decimal number (the driver's reading).
    pub processes: u32,
    /// `LimitDevAccess` non-zero; false when absent or not a decimal number.
    pub limit_dev_access: bool,
}

/// Reads `NumProcesses` and `LimitDevAccess` of a user section.
pub fn read_user_section(section: &SectionRef<'_, '_>) -> UserSection {
    let number = |key| {
        section
            .value(key)
            .and_then(|v| parse_decimal(&v.compact()).ok())
            .unwrap_or(0)
    };
    UserSection {
        processes: number(keys::NUM_PROCESSES),
        limit_dev_access: number(keys::LIMIT_DEV_ACCESS) != 0,
    }
}

pub(super) fn check<'a>(
    section: &SectionRef<'_, 'a>,
    services: Option<Services>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) {
    match section.kind() {
        SectionKind::Kernel => check_instances(section, services, true, sink),
        SectionKind::User => {
            if check_user(section, context, sink) {
                check_instances(section, services, false, sink);
            }
        }
        SectionKind::General | SectionKind::Special => {}
    }
}

/// Checks the process keys and names of a user section; returns whether it has processes.
fn check_user<'a>(
    section: &SectionRef<'_, 'a>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> bool {
    let name = section.name();
    if check_name(name.compact().as_bytes()).is_err() {
        sink.report(Diagnostic::new(
            DiagKind::UnsafeSectionName { section: name },
            section.span(),
        ));
    }
    let limit = section.get(keys::LIMIT_DEV_ACCESS);
    let limit_ok = limit.is_none_or(|entry| decimal(entry, sink).is_some());
    let Some(processes_entry) = section.get(keys::NUM_PROCESSES) else {
        sink.report(Diagnostic::new(
            DiagKind::MissingNumProcesses { section: name },
            section.span(),
        ));
        return false;
    };
    let Some(processes) = decimal(processes_entry, sink) else {
        return false;
    };
    if processes == 0 {
        return false;
    }
    let settings = read_user_section(section);
    if limit_ok {
        let longest = derived_name(
            &name.compact(),
            settings.limit_dev_access,
            context.accel_id,
            processes.saturating_sub(1),
        );
        if longest.len() > MAX_DERIVED_NAME_LEN {
            sink.report(Diagnostic::new(
                DiagKind::DerivedNameTooLong {
                    section: name,
                    example: longest,
                },
                processes_entry.key_span,
            ));
        }
    }
    true
}

/// Parses a decimal value, reporting it when it is not one.
fn decimal<'a>(entry: &Entry<'a>, sink: &mut impl DiagnosticSink<'a>) -> Option<u32> {
    match parse_decimal(&entry.value.compact()) {
        Ok(value) => Some(value),
        Err(error) => {
            sink.report(Diagnostic::new(
                DiagKind::NotDecimal {
                    key: entry.key,
                    value: entry.value,
                    error,
                },
                entry.value_span,
            ));
            None
        }
    }
}

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
    sink: &mut impl DiagnosticSink<'a>,
) {
    for family in Family::ALL {
        let Some(count_entry) = section.get(family.count_key()) else {
            if services.is_some_and(|s| enabled(s, family)) {
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
        let Some(count) = decimal(count_entry, sink) else {
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
        if let Some(services) = services.filter(|s| count > 0 && !enabled(*s, family)) {
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
            check_instance(section, family, index, count_entry, kernel, sink);
        }
    }
}

fn check_instance<'a>(
    section: &SectionRef<'_, 'a>,
    family: Family,
    index: u32,
    count_entry: &Entry<'a>,
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
                    count: count_entry_value(count_entry),
                },
                count_entry.key_span,
            ));
        }
        entry
    };
    let _ = require("Name");
    let polled = require("IsPolled");
    let affinity = require("CoreAffinity");
    if let Some(entry) = polled
        && let Some(mode) = decimal(entry, sink)
        && !(if kernel {
            mode <= 1
        } else {
            mode == 1 || mode == 2
        })
    {
        sink.report(Diagnostic::new(
            DiagKind::InvalidPollingMode {
                key: entry.key,
                value: entry.value,
                kernel,
            },
            entry.value_span,
        ));
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

fn count_entry_value(entry: &Entry<'_>) -> u32 {
    parse_decimal(&entry.value.compact()).unwrap_or(0)
}
