//! Consistency across the files of one machine (one file per device, in accel-id order), and how
//! many slots each user section offers in total.
//!
//! The driver accepts inconsistent sets; the Kubernetes device plugin rejects them. qsal warns
//! (errors under `--strict`): a section's `LimitDevAccess` must agree on every device, a
//! `LimitDevAccess = 0` section must have the same `NumProcesses` everywhere, and a
//! `LimitDevAccess = 1` section must exist on every device. A `LimitDevAccess = 0` section present on
//! only some devices is legal (its processes simply have instances on fewer devices).

use super::section::read_user_section;
use crate::config::keys::{self, SectionKind};
use crate::config::{Config, SectionRef};
use crate::diag::{DiagKind, Diagnostic, Span};

/// Checks a device set; `report(file, diagnostic)` receives each finding with the index of the file
/// it belongs to.
pub fn check_devices<'a, const S: usize, const K: usize>(
    configs: &[Config<'a, S, K>],
    mut report: impl FnMut(usize, Diagnostic<'a>),
) {
    for (here, config) in configs.iter().enumerate() {
        for section in config.sections().filter(|s| s.kind() == SectionKind::User) {
            let name = section.name().compact();
            let Some((first, reference)) = first_with(configs, &name) else {
                continue;
            };
            if first == here {
                continue;
            }
            let ours = read_user_section(&section);
            let theirs = read_user_section(&reference);
            let device = u32::try_from(first).unwrap_or(u32::MAX);
            if ours.limit_dev_access != theirs.limit_dev_access {
                report(
                    here,
                    Diagnostic::new(
                        DiagKind::LimitDevAccessDiffers {
                            section: section.name(),
                            here: ours.limit_dev_access,
                            there: theirs.limit_dev_access,
                            device,
                        },
                        key_span(&section, keys::LIMIT_DEV_ACCESS),
                    ),
                );
            } else if !ours.limit_dev_access && ours.processes != theirs.processes {
                report(
                    here,
                    Diagnostic::new(
                        DiagKind::NumProcessesDiffers {
                            section: section.name(),
                            here: ours.processes,
                            there: theirs.processes,
                            device,
                        },
                        key_span(&section, keys::NUM_PROCESSES),
                    ),
                );
            }
        }
    }
    // Pinned (LimitDevAccess = 1) sections missing on a device.
    for (first, config) in configs.iter().enumerate() {
        for section in config.sections().filter(|s| s.kind() == SectionKind::User) {
            let name = section.name().compact();
            if first_with(configs, &name).map(|(i, _)| i) != Some(first)
                || !read_user_section(&section).limit_dev_access
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

/// How many distinct derived names (slots) user section `name` has across the device set: a
/// `LimitDevAccess = 1` device contributes its own `NumProcesses` names, `LimitDevAccess = 0`
/// devices share the names `S_INT_0…`, so they contribute their largest `NumProcesses` once.
pub fn total_slots<const S: usize, const K: usize>(
    configs: &[Config<'_, S, K>],
    name: &str,
) -> u32 {
    let mut pinned: u32 = 0;
    let mut shared: u32 = 0;
    for config in configs {
        if let Some(section) = config.section(name) {
            let settings = read_user_section(&section);
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
fn first_with<'c, 'a, const S: usize, const K: usize>(
    configs: &'c [Config<'a, S, K>],
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
