//! [`MockWorld`]: simulated devices whose configuration is expanded by the core, with fault
//! injection, implementing the core's `Devices` trait.

use core::cell::Cell;
use core::fmt::Write as _;
use core::sync::atomic::{AtomicU32, Ordering};

use qsal_core::config::expanded::{self, Expanded, SectionSpan, verify};
use qsal_core::diag::{Diagnostic, Severity};
use qsal_core::expand::{ConfWriter, expand};
use qsal_core::platform::{Attachment, DeviceInfo, Devices, ErrorType};
use qsal_core::validate::{Context, check_set};
use qsal_core::{Config, DeviceType};

use crate::MockError;

/// Entries of a mock device's section index (a hash table, fastest up to half full): more sections
/// than this, and lookups fall back to scanning the text.
const INDEXED_SECTIONS: usize = 320;

struct MockDevice<const TEXT: usize> {
    info: DeviceInfo,
    text: heapless::String<TEXT>,
    index: heapless::Vec<SectionSpan, INDEXED_SECTIONS>,
    complete: bool,
    down: bool,
    fail_map: Option<u16>,
}

impl<const TEXT: usize> MockDevice<TEXT> {
    fn new(info: DeviceInfo, text: heapless::String<TEXT>) -> Self {
        let mut index = heapless::Vec::new();
        // The whole table is the index (`resize_default` cannot fail at the capacity).
        let _ = index.resize_default(INDEXED_SECTIONS);
        let complete = expanded::index(text.as_bytes(), &mut index).complete;
        Self {
            info,
            text,
            index,
            complete,
            down: false,
            fail_map: None,
        }
    }

    /// The core's view of the device's expanded configuration.
    fn expanded(&self) -> Expanded<'_> {
        Expanded::new(
            self.text.as_bytes(),
            &self.index,
            self.complete,
            self.info.device_type.profile(),
        )
    }
}

/// Up to `DEVICES` simulated devices, each holding up to `TEXT` bytes of expanded configuration.
pub struct MockWorld<const DEVICES: usize = 4, const TEXT: usize = 32768> {
    devices: spin::Mutex<heapless::Vec<MockDevice<TEXT>, DEVICES>>,
    attached: AtomicU32,
}

impl<const DEVICES: usize, const TEXT: usize> Default for MockWorld<DEVICES, TEXT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const DEVICES: usize, const TEXT: usize> MockWorld<DEVICES, TEXT> {
    /// A world without devices (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            devices: spin::Mutex::new(heapless::Vec::new()),
            attached: AtomicU32::new(0),
        }
    }

    /// Adds (starts) a device of `device_type` with configuration `config`, which is validated for
    /// the device and expanded at the next accel id. Returns the accel id.
    ///
    /// The file is parsed into tables of 16 sections and 256 keys, which fits firmware stacks.
    pub fn add_device(&self, device_type: DeviceType, config: &[u8]) -> Result<u32, MockError> {
        let accel_id = u32::try_from(self.devices.lock().len()).unwrap_or(u32::MAX);
        let first_error: Cell<Option<&'static str>> = Cell::new(None);
        let mut note = |d: Diagnostic<'_>| {
            if d.severity() == Severity::Error && first_error.get().is_none() {
                first_error.set(Some(d.code().as_str()));
            }
        };
        let parsed: Config<'_, 16, 256> = Config::parse(config, &mut note);
        let context = Context {
            device: Some(device_type),
            accel_id,
        };
        check_set(core::slice::from_ref(&parsed), &[context], |_, d| note(d));
        if let Some(code) = first_error.get() {
            return Err(MockError::InvalidConfig(code));
        }
        let mut text = heapless::String::<TEXT>::new();
        expand(
            &parsed,
            device_type,
            accel_id,
            &mut ConfWriter::new(&mut text),
        )
        .map_err(|_| MockError::TextFull)?;
        self.push(device_type, text)
    }

    /// Adds a device whose configuration is already expanded, after the core's re-validation
    /// (banks and rings inside the device, no ring used twice).
    pub fn add_expanded(&self, device_type: DeviceType, text: &str) -> Result<u32, MockError> {
        verify(&Expanded::unindexed(text.as_bytes(), device_type.profile()))
            .map_err(|e| MockError::InvalidExpanded { line: e.line })?;
        let mut owned = heapless::String::<TEXT>::new();
        owned.write_str(text).map_err(|_| MockError::TextFull)?;
        self.push(device_type, owned)
    }

    fn push(
        &self,
        device_type: DeviceType,
        text: heapless::String<TEXT>,
    ) -> Result<u32, MockError> {
        let mut devices = self.devices.lock();
        let accel_id = u32::try_from(devices.len()).unwrap_or(u32::MAX);
        devices
            .push(MockDevice::new(
                DeviceInfo {
                    accel_id,
                    device_type,
                    pci: None,
                    generation: 1,
                },
                text,
            ))
            .map_err(|_| MockError::TooManyDevices)?;
        Ok(accel_id)
    }

    /// Fault injection: takes a device down (it stops being listed as started) or brings it back.
    pub fn set_down(&self, accel_id: u32, down: bool) {
        qsal_core::qsal_log!(info, "mock device {} down: {}", accel_id, down);
        if let Some(d) = self
            .devices
            .lock()
            .iter_mut()
            .find(|d| d.info.accel_id == accel_id)
        {
            d.down = down;
        }
    }

    /// Restarts a device: it keeps its configuration and gets a new generation, so attachments made
    /// before belong to the earlier start.
    pub fn restart(&self, accel_id: u32) {
        qsal_core::qsal_log!(info, "mock device {} restarted", accel_id);
        if let Some(d) = self
            .devices
            .lock()
            .iter_mut()
            .find(|d| d.info.accel_id == accel_id)
        {
            d.info.generation = d.info.generation.saturating_add(1);
        }
    }

    /// Fault injection: attaching to the device fails as if mapping `bank` failed (`None` clears).
    pub fn fail_attach(&self, accel_id: u32, bank: Option<u16>) {
        if let Some(d) = self
            .devices
            .lock()
            .iter_mut()
            .find(|d| d.info.accel_id == accel_id)
        {
            d.fail_map = bank;
        }
    }

    /// Attachments alive now (inherited copies in forked children not counted).
    pub fn attached(&self) -> u32 {
        self.attached.load(Ordering::SeqCst)
    }

    /// Calls `f` with the expanded configuration of device `accel_id`.
    pub fn with_text<R>(&self, accel_id: u32, f: impl FnOnce(&str) -> R) -> Option<R> {
        let devices = self.devices.lock();
        devices
            .iter()
            .find(|d| d.info.accel_id == accel_id)
            .map(|d| f(&d.text))
    }

    fn with_device<R>(
        &self,
        accel_id: u32,
        f: impl FnOnce(&MockDevice<TEXT>) -> R,
    ) -> Result<R, MockError> {
        let devices = self.devices.lock();
        let device = devices
            .iter()
            .find(|d| d.info.accel_id == accel_id)
            .ok_or(MockError::NoSuchDevice(accel_id))?;
        if device.down {
            return Err(MockError::DeviceDown(accel_id));
        }
        Ok(f(device))
    }
}

impl<const DEVICES: usize, const TEXT: usize> ErrorType for MockWorld<DEVICES, TEXT> {
    type Error = MockError;
}

impl<'w, const DEVICES: usize, const TEXT: usize> Devices for &'w MockWorld<DEVICES, TEXT> {
    type Attachment = MockAttachment<'w>;

    fn count(&self) -> Result<usize, MockError> {
        Ok(self.devices.lock().iter().filter(|d| !d.down).count())
    }

    fn device(&self, index: usize) -> Result<Option<DeviceInfo>, MockError> {
        Ok(self
            .devices
            .lock()
            .iter()
            .filter(|d| !d.down)
            .nth(index)
            .map(|d| d.info))
    }

    fn with_expanded<T>(
        &self,
        accel_id: u32,
        f: impl FnOnce(&Expanded<'_>) -> T,
    ) -> Result<T, MockError> {
        self.with_device(accel_id, |d| f(&d.expanded()))
    }

    fn attach(
        &self,
        accel_id: u32,
        section: &str,
    ) -> Result<Option<MockAttachment<'w>>, MockError> {
        let Some((fail, generation)) = self.with_device(accel_id, |d| {
            d.expanded()
                .has_section(section)
                .then_some((d.fail_map, d.info.generation))
        })?
        else {
            return Ok(None);
        };
        if let Some(bank) = fail {
            return Err(MockError::MapFailed { accel_id, bank });
        }
        self.attached.fetch_add(1, Ordering::SeqCst);
        Ok(Some(MockAttachment {
            attached: &self.attached,
            accel_id,
            generation,
            inherited: false,
        }))
    }
}

/// A simulated process's attachment to a mock device.
#[derive(Debug)]
pub struct MockAttachment<'w> {
    attached: &'w AtomicU32,
    accel_id: u32,
    generation: u64,
    inherited: bool,
}

impl Clone for MockAttachment<'_> {
    /// A copy inherited through fork: it tears nothing down.
    fn clone(&self) -> Self {
        Self {
            attached: self.attached,
            accel_id: self.accel_id,
            generation: self.generation,
            inherited: true,
        }
    }
}

impl Drop for MockAttachment<'_> {
    fn drop(&mut self) {
        if !self.inherited {
            self.attached.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Attachment for MockAttachment<'_> {
    fn accel_id(&self) -> u32 {
        self.accel_id
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn abandon(mut self) {
        self.inherited = true;
    }
}
