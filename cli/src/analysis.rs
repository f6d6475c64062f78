//! Reading a device set for `check` and `expand`: parse every file and run the core's one check
//! pipeline (`check_set`: each file validated for its device, capacity, the rules across devices).
//! A file that is already an expansion (`qsal expand` output, a device file) is recognised and
//! checked as one: its lines and its rings, without the tables of an input file.

use qsal_backend_linux::SectionIndex;
use qsal_core::config::SectionKind;
use qsal_core::config::expanded::check_expanded;
use qsal_core::config::user::UserSection;
use qsal_core::validate::{Context, check_set, total_slots};
use qsal_core::{Config, DeviceType, Diagnostic, Driver, Severity};

use crate::input::SourceFile;
use crate::render::Finding;

/// Where a file's device type came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceSource {
    /// `--device-type` (or `TYPE=` of `--device`).
    Given(DeviceType),
    /// The `<type>_dev<N>.conf` file name.
    FileName(DeviceType),
    /// Unknown.
    Unknown,
}

impl DeviceSource {
    /// The device type, if known.
    pub fn device(self) -> Option<DeviceType> {
        match self {
            Self::Given(d) | Self::FileName(d) => Some(d),
            Self::Unknown => None,
        }
    }
}

/// A parsed and checked device set.
pub struct Analysis<'f> {
    /// Their parsed configurations (an expansion parses as an empty configuration).
    pub configs: Vec<Config<'f>>,
    /// Per file: whether it is an expansion rather than a configuration to expand.
    pub expanded: Vec<bool>,
    /// Per file: the device type and where it came from.
    pub devices: Vec<DeviceSource>,
    /// Per file: the findings, sorted by position.
    pub findings: Vec<Vec<Finding<'f>>>,
}

/// Whether `file` is an expansion (checked with the rules of `device` when known).
fn is_expansion(file: &SourceFile, device: Option<DeviceType>) -> bool {
    let profile = device.unwrap_or(DeviceType::C6xx).profile();
    SectionIndex::of(&file.bytes)
        .view(&file.bytes, profile)
        .looks_expanded()
}

impl<'f> Analysis<'f> {
    /// Parses and checks `files` as devices 0, 1, …; `devices[i]` overrides the type of file `i`.
    pub fn run(files: &'f [SourceFile], devices: &[Option<DeviceType>], strict: bool) -> Self {
        Self::run_at(files, devices, 0, strict)
    }

    /// Like [`Analysis::run`], numbering the devices from `first_accel_id`.
    pub fn run_at(
        files: &'f [SourceFile],
        devices: &[Option<DeviceType>],
        first_accel_id: u32,
        strict: bool,
    ) -> Self {
        let mut configs = Vec::with_capacity(files.len());
        let mut raw: Vec<Vec<Diagnostic<'f>>> = Vec::with_capacity(files.len());
        let mut sources = Vec::with_capacity(files.len());
        let mut contexts = Vec::with_capacity(files.len());
        let mut expanded_files = Vec::with_capacity(files.len());
        for (accel_id, file) in files.iter().enumerate() {
            let source = match (
                devices.get(accel_id).copied().flatten(),
                file.inferred_device_type(),
            ) {
                (Some(d), _) => DeviceSource::Given(d),
                (None, Some(d)) => DeviceSource::FileName(d),
                (None, None) => DeviceSource::Unknown,
            };
            let mut found = Vec::new();
            let is_expanded = is_expansion(file, source.device());
            let config: Config<'f> = if is_expanded {
                let index = SectionIndex::of(&file.bytes);
                let profile = source.device().unwrap_or(DeviceType::C6xx).profile();
                let view = index.view(&file.bytes, profile);
                let mut keep = |d: Diagnostic<'f>| {
                    // Ring checks need the device; without a type only the lines are checked.
                    if source.device().is_some()
                        || !matches!(d.kind, qsal_core::diag::DiagKind::ExpandedInvalid(_))
                    {
                        found.push(d);
                    }
                };
                check_expanded(&file.bytes, &view, &mut keep);
                Config::parse(b"", &mut |_: Diagnostic<'f>| {})
            } else {
                Config::parse(&file.bytes, &mut |d| found.push(d))
            };
            configs.push(config);
            raw.push(found);
            sources.push(source);
            expanded_files.push(is_expanded);
            contexts.push(Context {
                device: source.device(),
                accel_id: u32::try_from(accel_id)
                    .unwrap_or(u32::MAX)
                    .saturating_add(first_accel_id),
            });
        }
        let checked: Vec<usize> = (0..configs.len()).filter(|&i| !expanded_files[i]).collect();
        let inputs: Vec<Config<'f>> = checked.iter().map(|&i| configs[i].clone()).collect();
        let input_contexts: Vec<Context> = checked.iter().map(|&i| contexts[i]).collect();
        check_set(&inputs, &input_contexts, |i, d| {
            if let Some(list) = checked.get(i).and_then(|&file| raw.get_mut(file)) {
                list.push(d);
            }
        });
        let findings = raw
            .into_iter()
            .map(|mut list| {
                list.sort_by_key(|d| (d.span.offset, d.span.line));
                list.into_iter().map(|d| Finding::new(d, strict)).collect()
            })
            .collect();
        Self {
            configs,
            expanded: expanded_files,
            devices: sources,
            findings,
        }
    }

    /// Whether any file has an error (after `--strict`).
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .flatten()
            .any(|f| f.severity == Severity::Error)
    }

    /// One line per user section: how many slots it offers across the device set, and why.
    pub fn slot_summary(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (config, source) in self.configs.iter().zip(&self.devices) {
            let driver = source
                .device()
                .map_or(Driver::Qat17, |d| d.profile().driver());
            for section in config
                .sections()
                .filter(|s| s.kind(driver) == SectionKind::User)
            {
                let name = section.name().compact().to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let devices = self.configs.len();
        names
            .iter()
            .map(|name| {
                let per_device: Vec<(bool, u32)> = self
                    .configs
                    .iter()
                    .filter_map(|c| c.section(name))
                    .map(|s| {
                        let settings = UserSection::of(&s);
                        (settings.limit_dev_access, settings.processes)
                    })
                    .collect();
                let total = total_slots(&self.configs, name);
                let present = per_device.len();
                let why = explain(&per_device, present, devices);
                format!("slots: [{name}] {total} ({why})")
            })
            .collect()
    }
}

fn explain(per_device: &[(bool, u32)], present: usize, devices: usize) -> String {
    let all_pinned = per_device.iter().all(|(lda, _)| *lda);
    let none_pinned = per_device.iter().all(|(lda, _)| !*lda);
    let counts: Vec<u32> = per_device.iter().map(|(_, n)| *n).collect();
    let equal = counts.windows(2).all(|w| w[0] == w[1]);
    let on = match (present, devices) {
        (_, 1) => String::new(),
        (2, 2) => " on both devices".to_string(),
        (p, d) if p == d => format!(" on all {d} devices"),
        (p, d) => format!(" on {p} of {d} devices"),
    };
    if all_pinned {
        if present == 1 {
            format!(
                "NumProcesses = {}, LimitDevAccess = 1{on}: each process uses this one device",
                counts[0]
            )
        } else if equal {
            format!(
                "{} processes × {present} devices, LimitDevAccess = 1{on}: each process is confined to one device",
                counts[0]
            )
        } else {
            let sum: Vec<String> = counts.iter().map(u32::to_string).collect();
            format!(
                "{}, LimitDevAccess = 1: each process is confined to one device",
                sum.join(" + ")
            )
        }
    } else if none_pinned {
        let max = counts.iter().copied().max().unwrap_or(0);
        if present <= 1 {
            format!("NumProcesses = {max}, LimitDevAccess = 0{on}")
        } else {
            format!(
                "NumProcesses = {max}, LimitDevAccess = 0{on}: each process uses every device that has the section"
            )
        }
    } else {
        "LimitDevAccess differs between devices; see the warnings above".to_string()
    }
}
