//! Loading devices: the one pipeline from configuration files to device files, for `qsal up` (a
//! whole set, or one device as `qsal up qat_dev<N>`), `qsal restart qat_dev<N>`, the demo and the
//! tests. Each file is parsed and checked as `qsal check` checks it (the core's `check_set`),
//! refused on any error, expanded, given its header ([`crate::device_file`]) and handed to
//! [`crate::store`], which writes the new set as a whole under the runtime directory's lock.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use qsal_core::expand::{ConfWriter, Summary, expand};
use qsal_core::platform::{Holder, PciAddress};
use qsal_core::validate::{Context, check_set};
use qsal_core::{Config, DeviceType, Diagnostic, Severity};

use crate::device_file::{self, DeviceMeta, Origin, synthetic_bsf};
use crate::devices::read_all;
use crate::runtime::RuntimeDir;
use crate::store::{self, Held, NewFile, StoreError};

/// A device found on the PCI bus: where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hardware {
    /// Its PCI address.
    pub bsf: PciAddress,
    /// Its NUMA node.
    pub node_id: u32,
    /// Its index among the devices of its type (the `<inst>` of `/etc/<type>_dev<inst>.conf`).
    pub inst_id: u32,
}

/// One device to load: its type, where its configuration came from, its text, and — for a device
/// on the PCI bus — where it is (`None`: an emulated device).
#[derive(Clone, Copy, Debug)]
pub struct DeviceInput<'a> {
    /// Its type.
    pub device_type: DeviceType,
    /// The file it was read from.
    pub source: &'a Path,
    /// Its configuration file's bytes.
    pub text: &'a [u8],
    /// Where it is on the PCI bus; `None` for an emulated device.
    pub hardware: Option<Hardware>,
}

impl<'a> DeviceInput<'a> {
    /// An emulated device.
    pub fn emulated(device_type: DeviceType, source: &'a Path, text: &'a [u8]) -> Self {
        Self {
            device_type,
            source,
            text,
            hardware: None,
        }
    }
}

/// What a load found and did.
#[derive(Debug)]
pub struct Loaded<'a> {
    /// Per device loaded: the findings of the parser and the checks, sorted by position (warnings
    /// only, since it loaded).
    pub findings: Vec<Vec<Diagnostic<'a>>>,
    /// Per device loaded: what expansion placed.
    pub summaries: Vec<Summary>,
    /// Slots whose lease files were removed although held (only `down --force`).
    pub forced: Vec<(String, Holder)>,
}

/// Why a load changed nothing.
#[derive(Debug)]
pub enum UpError<'a> {
    /// The configuration has errors; per device, every finding.
    Invalid(Vec<Vec<Diagnostic<'a>>>),
    /// A device's configuration cannot be expanded (its message).
    Expand {
        /// The device.
        accel_id: u32,
        /// Why.
        message: String,
    },
    /// `up qat_dev<N>` for a device that is up already.
    AlreadyUp {
        /// The device.
        accel_id: u32,
    },
    /// `restart`/`down qat_dev<N>` for a device that is not up.
    NotUp {
        /// The device.
        accel_id: u32,
    },
    /// The runtime directory refused the set.
    Store(StoreError),
}

impl std::fmt::Display for UpError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(findings) => {
                let errors = findings
                    .iter()
                    .flatten()
                    .filter(|d| d.severity() == Severity::Error)
                    .count();
                write!(
                    f,
                    "the configuration has {errors} error(s) (`qsal check` shows them); nothing was loaded"
                )
            }
            Self::Expand { accel_id, message } => {
                write!(f, "device {accel_id} cannot be expanded: {message}")
            }
            Self::AlreadyUp { accel_id } => write!(
                f,
                "qat_dev{accel_id} is up already; use `qsal restart qat_dev{accel_id}` to load its configuration again"
            ),
            Self::NotUp { accel_id } => write!(
                f,
                "qat_dev{accel_id} is not up; `qsal status` lists the devices that are"
            ),
            Self::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for UpError<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<StoreError> for UpError<'_> {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<crate::LinuxError> for UpError<'_> {
    fn from(e: crate::LinuxError) -> Self {
        Self::Store(StoreError::Failed(e))
    }
}

/// Loads a whole device set (device `i` at accel id `i`), replacing the previous one — refused while
/// any slot is held. `waiting` is called if another `up` or `down` holds the lock.
pub fn up<'a>(
    runtime: &RuntimeDir,
    devices: &[DeviceInput<'a>],
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    let accel_ids: Vec<u32> = (0..).take(devices.len()).collect();
    let (findings, summaries, expanded) = check_and_expand(devices, &accel_ids)?;
    let opened = runtime.create()?;
    let _lock = opened.lock(waiting)?;
    let previous = read_all(&opened)?;
    let generation = next_generation(previous.iter().map(|d| d.meta.generation));
    let mut inst = InstanceIds::default();
    let files: Vec<NewFile> = devices
        .iter()
        .zip(&accel_ids)
        .zip(&expanded)
        .map(|((device, accel_id), text)| {
            let meta = meta(device, *accel_id, inst.next(device), generation);
            new_file(&meta, text)
        })
        .collect();
    store::commit(&opened, &files, Held::Refuse)?;
    Ok(Loaded {
        findings,
        summaries,
        forced: Vec::new(),
    })
}

/// Brings one device up at `accel_id` beside the devices already up (`qsal up qat_dev<N>`). Slots
/// held on the other devices stay held; a process that holds a section this device also has
/// attaches to it on `icp_sal_find_new_devices` or `icp_sal_poll_device_events`.
pub fn up_device<'a>(
    runtime: &RuntimeDir,
    accel_id: u32,
    device: &DeviceInput<'a>,
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    change_device(runtime, accel_id, Some(device), Change::Up, waiting)
}

/// Loads the configuration of device `accel_id` again and gives it a new generation (`qsal
/// restart qat_dev<N>`): processes attached to it re-attach on `icp_sal_poll_device_events`.
/// Refused if a held slot's derived section would disappear.
pub fn restart_device<'a>(
    runtime: &RuntimeDir,
    accel_id: u32,
    device: &DeviceInput<'a>,
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    change_device(runtime, accel_id, Some(device), Change::Restart, waiting)
}

/// Takes device `accel_id` down (`qsal down qat_dev<N>`), leaving the others up. Refused if a
/// held slot's derived section would disappear, unless `force` (root or the holder only); processes
/// attached to it detach on `icp_sal_poll_device_events`.
pub fn down_device<'a>(
    runtime: &RuntimeDir,
    accel_id: u32,
    force: bool,
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    change_device(runtime, accel_id, None, Change::Down { force }, waiting)
}

/// What happens to one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Up,
    Restart,
    Down { force: bool },
}

fn change_device<'a>(
    runtime: &RuntimeDir,
    accel_id: u32,
    device: Option<&DeviceInput<'a>>,
    change: Change,
    waiting: impl FnOnce(),
) -> Result<Loaded<'a>, UpError<'a>> {
    let (findings, summaries, expanded) = match device {
        Some(device) => check_and_expand(std::slice::from_ref(device), &[accel_id])?,
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let opened = match change {
        Change::Up => runtime.create()?,
        _ => runtime.open()?.ok_or(UpError::NotUp { accel_id })?,
    };
    let _lock = opened.lock(waiting)?;
    let current = read_all(&opened)?;
    let present = current.iter().any(|d| d.info.accel_id == accel_id);
    match (change, present) {
        (Change::Up, true) => return Err(UpError::AlreadyUp { accel_id }),
        (Change::Restart | Change::Down { .. }, false) => {
            return Err(UpError::NotUp { accel_id });
        }
        _ => {}
    }
    let generation = next_generation(current.iter().map(|d| d.meta.generation));
    let mut files: Vec<NewFile> = current
        .iter()
        .filter(|d| d.info.accel_id != accel_id)
        .map(|d| NewFile {
            name: device_file::file_name(d.info.accel_id, d.info.device_type),
            text: d.text.clone(),
        })
        .collect();
    if let (Some(device), Some(text)) = (device, expanded.first()) {
        let inst_id = match (
            device.hardware,
            current.iter().find(|d| d.info.accel_id == accel_id),
        ) {
            (Some(hardware), _) => hardware.inst_id,
            (None, Some(old)) if old.info.device_type == device.device_type => old.meta.inst_id,
            (None, _) => {
                let same = |d: &&crate::LoadedDevice| d.info.device_type == device.device_type;
                u32::try_from(current.iter().filter(same).count()).unwrap_or(u32::MAX)
            }
        };
        let meta = meta(device, accel_id, inst_id, generation);
        files.push(new_file(&meta, text));
    }
    let held = match change {
        Change::Down { force: true } => Held::ForceLost,
        Change::Up | Change::Restart | Change::Down { force: false } => Held::KeepUnlessLost,
    };
    let forced = store::commit(&opened, &files, held)?;
    Ok(Loaded {
        findings,
        summaries,
        forced,
    })
}

/// Findings, expansion summaries and expanded texts of `devices` (at `accel_ids`), or why not.
type Checked<'a> = (Vec<Vec<Diagnostic<'a>>>, Vec<Summary>, Vec<String>);

/// Parses, checks (as `qsal check` does, across the given devices) and expands each device.
fn check_and_expand<'a>(
    devices: &[DeviceInput<'a>],
    accel_ids: &[u32],
) -> Result<Checked<'a>, UpError<'a>> {
    let mut findings: Vec<Vec<Diagnostic<'a>>> = vec![Vec::new(); devices.len()];
    let configs: Vec<Config<'a>> = devices
        .iter()
        .zip(findings.iter_mut())
        .map(|(d, found)| Config::parse(d.text, &mut |x| found.push(x)))
        .collect();
    let contexts: Vec<Context> = devices
        .iter()
        .zip(accel_ids)
        .map(|(d, accel_id)| Context {
            device: Some(d.device_type),
            accel_id: *accel_id,
        })
        .collect();
    check_set(&configs, &contexts, |i, d| {
        if let Some(list) = findings.get_mut(i) {
            list.push(d);
        }
    });
    for list in &mut findings {
        list.sort_by_key(|d| (d.span.offset, d.span.line));
    }
    if findings
        .iter()
        .flatten()
        .any(|d| d.severity() == Severity::Error)
    {
        return Err(UpError::Invalid(findings));
    }
    let mut texts = Vec::with_capacity(devices.len());
    let mut summaries = Vec::with_capacity(devices.len());
    for ((device, context), config) in devices.iter().zip(&contexts).zip(&configs) {
        let mut text = String::new();
        let summary = expand(
            config,
            device.device_type,
            context.accel_id,
            &mut ConfWriter::new(&mut text),
        )
        .map_err(|e| UpError::Expand {
            accel_id: context.accel_id,
            message: e.to_string(),
        })?;
        texts.push(text);
        summaries.push(summary);
    }
    Ok((findings, summaries, texts))
}

/// Counts devices per type, for the instance ids of emulated devices.
#[derive(Default)]
struct InstanceIds(Vec<(DeviceType, u32)>);

impl InstanceIds {
    fn next(&mut self, device: &DeviceInput<'_>) -> u32 {
        let position = self.0.iter().position(|(t, _)| *t == device.device_type);
        let slot = match position {
            Some(i) => &mut self.0[i].1,
            None => {
                self.0.push((device.device_type, 0));
                let last = self.0.len() - 1;
                &mut self.0[last].1
            }
        };
        let id = *slot;
        *slot = slot.saturating_add(1);
        device.hardware.map_or(id, |h| h.inst_id)
    }
}

fn meta(device: &DeviceInput<'_>, accel_id: u32, inst_id: u32, generation: u64) -> DeviceMeta {
    let (origin, bsf, node_id) = match device.hardware {
        Some(h) => (Origin::Hardware, h.bsf, h.node_id),
        None => (Origin::Emulated, synthetic_bsf(accel_id), 0),
    };
    DeviceMeta {
        accel_id,
        device_type: device.device_type,
        inst_id,
        node_id,
        bsf,
        origin,
        generation,
        source: device.source.to_path_buf(),
    }
}

fn new_file(meta: &DeviceMeta, expanded: &str) -> NewFile {
    NewFile {
        name: device_file::file_name(meta.accel_id, meta.device_type),
        text: format!("{}{expanded}", device_file::header(meta)),
    }
}

/// A generation later than every one in `previous`: the time in microseconds, so a device that goes
/// down and comes up again never repeats a generation a process may still hold.
fn next_generation(previous: impl Iterator<Item = u64>) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    previous.fold(now, |at_least, g| at_least.max(g.saturating_add(1)))
}
