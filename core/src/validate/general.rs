//! Checks of `[GENERAL]`: presence, `ConfigVersion`, `ServicesEnabled`, `ServicesProfile`, the default
//! request depths and (QAT20) `PkeServiceDisabled`.

use super::Context;
use super::number::{Reader, check_number};
use crate::config::{Config, SectionRef, keys};
use crate::diag::{DiagKind, Diagnostic, DiagnosticSink, Span};
use crate::profile::Driver;
use crate::value::{Services, ServicesProfile, kernel_auto, parse_decimal};

/// Checks `[GENERAL]` and returns the recognised `ServicesEnabled`.
pub(super) fn check<'a, const SECTIONS: usize, const KEYS: usize>(
    config: &Config<'a, SECTIONS, KEYS>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<Services> {
    let Some(general) = config.section(keys::GENERAL) else {
        sink.report(Diagnostic::new(DiagKind::MissingGeneral, Span::FILE));
        return None;
    };
    check_config_version(&general, sink);
    let profile = check_profile(&general, context, sink);
    check_ring_depths(&general, sink);
    let services = check_services(&general, profile, context, sink);
    if context.driver() == Driver::Qat20 {
        check_pke_service_disabled(&general, services, sink);
    }
    services
}

fn check_config_version<'a>(general: &SectionRef<'_, 'a>, sink: &mut impl DiagnosticSink<'a>) {
    match general.get(keys::CONFIG_VERSION) {
        None => sink.report(Diagnostic::new(
            DiagKind::MissingConfigVersion,
            general.span(),
        )),
        Some(entry) => {
            if parse_decimal(&entry.value.compact()) != Ok(2) {
                sink.report(Diagnostic::new(
                    DiagKind::UnsupportedConfigVersion { value: entry.value },
                    entry.value_span,
                ));
            }
        }
    }
}

/// Returns the profile in force: the one named, on a device that reads it; DEFAULT otherwise. An
/// unknown name is only a warning: the driver logs it and loads the DEFAULT profile.
fn check_profile<'a>(
    general: &SectionRef<'_, 'a>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<ServicesProfile> {
    let entry = general.get(keys::SERVICES_PROFILE)?;
    if context
        .device
        .is_some_and(|d| !d.profile().has_services_profiles())
    {
        return None;
    }
    let profile = ServicesProfile::parse(&entry.value.compact());
    if profile.is_none() {
        sink.report(Diagnostic::new(
            DiagKind::InvalidServicesProfile { value: entry.value },
            entry.value_span,
        ));
    }
    profile
}

fn check_services<'a>(
    general: &SectionRef<'_, 'a>,
    explicit_profile: Option<ServicesProfile>,
    context: &Context,
    sink: &mut impl DiagnosticSink<'a>,
) -> Option<Services> {
    let Some(entry) = general.get(keys::SERVICES_ENABLED) else {
        sink.report(Diagnostic::new(
            DiagKind::MissingServicesEnabled {
                device: context.device,
            },
            general.span(),
        ));
        return None;
    };
    let Some(services) = Services::parse(&entry.value.compact()) else {
        sink.report(Diagnostic::new(
            DiagKind::InvalidServicesEnabled {
                value: entry.value,
                device: context.device,
            },
            entry.value_span,
        ));
        return None;
    };
    let profile = explicit_profile.unwrap_or(ServicesProfile::Default);
    let supported = match context.device {
        Some(device) => device.profile().accepts(services, profile),
        None => explicit_profile.is_none_or(|p| p.allows(services)),
    };
    if !supported {
        sink.report(Diagnostic::new(
            DiagKind::ServicesNotSupported {
                services,
                device: context.device,
                profile,
            },
            entry.value_span,
        ));
    }
    Some(services)
}

fn check_ring_depths<'a>(general: &SectionRef<'_, 'a>, sink: &mut impl DiagnosticSink<'a>) {
    for key in [
        keys::CY_NUM_CONCURRENT_ASYM,
        keys::CY_NUM_CONCURRENT_SYM,
        keys::DC_NUM_CONCURRENT,
    ] {
        let Some(entry) = general.get(key) else {
            continue;
        };
        let Some(depth) = check_number(entry, Reader::Library, sink) else {
            continue;
        };
        if !(64..=65536).contains(&depth) || !depth.is_power_of_two() {
            sink.report(Diagnostic::new(
                DiagKind::InvalidConcurrentRequests {
                    key: entry.key,
                    value: entry.value,
                },
                entry.value_span,
            ));
        }
    }
}

/// QAT20 parses `PkeServiceDisabled` when the device starts (decimal, or `0x` hexadecimal) and
/// fails the device on anything else; a non-zero value removes asymmetric crypto, which the user
/// library then refuses to start when `ServicesEnabled` names it.
fn check_pke_service_disabled<'a>(
    general: &SectionRef<'_, 'a>,
    services: Option<Services>,
    sink: &mut impl DiagnosticSink<'a>,
) {
    let Some(entry) = general.get(keys::PKE_SERVICE_DISABLED) else {
        return;
    };
    match kernel_auto(&entry.value.compact()) {
        None => sink.report(Diagnostic::new(
            DiagKind::InvalidPkeServiceDisabled { value: entry.value },
            entry.value_span,
        )),
        Some(0) => {}
        Some(_) => {
            if let Some(services) = services.filter(|s| s.asym()) {
                sink.report(Diagnostic::new(
                    DiagKind::AsymDisabled {
                        value: entry.value,
                        services,
                    },
                    entry.value_span,
                ));
            }
        }
    }
}
