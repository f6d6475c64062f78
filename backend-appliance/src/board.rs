//! [`Board`]: the devices an appliance owns — built-in expanded configurations — and the static
//! memory its rings use, with the device side (the core's software firmware) run by [`Board::step`].

use core::sync::atomic::{AtomicU32, Ordering};

use qsal_core::DeviceType;
use qsal_core::config::expanded::Expanded;
use qsal_core::platform::{DeviceInfo, Devices, ErrorType};
use qsal_core::ring::{
    AtomicMemory, EngineError, Firmware, Layout, PairShape, RingPair, SmallCsr, ring_specs,
};

use crate::{BoardAttachment, BoardError, BoardPair};

/// Registers of a ring slot's CSR window: every ring and bank-wide register of a QAT 1.7 bank lies
/// below byte 0x200.
pub const CSR_WORDS: usize = 128;

/// One device of the board.
#[derive(Clone, Copy, Debug)]
pub struct BoardDevice {
    /// Its accel id.
    pub accel_id: u32,
    /// Its type.
    pub device_type: DeviceType,
    /// Its expanded configuration, as `qsal expand` (or the core's `expand` in a build script)
    /// writes it.
    pub expanded: &'static str,
}

/// The memory of one ring pair: a CSR window and the two rings (`WORDS` 32-bit words each).
#[derive(Debug)]
pub struct RingSlot<const WORDS: usize> {
    pub(crate) csr: SmallCsr<CSR_WORDS>,
    pub(crate) tx: AtomicMemory<WORDS>,
    pub(crate) rx: AtomicMemory<WORDS>,
    /// What the device side serves here, while the slot is in use.
    pub(crate) served: spin::Mutex<Option<(Layout, PairShape)>>,
}

impl<const WORDS: usize> RingSlot<WORDS> {
    const fn new() -> Self {
        Self {
            csr: SmallCsr::new(),
            // Bus addresses aligned to any ring size a slot can have.
            tx: AtomicMemory::new(1 << 24),
            rx: AtomicMemory::new(2 << 24),
            served: spin::Mutex::new(None),
        }
    }
}

/// The devices of an appliance and the memory of `PAIRS` ring pairs of `WORDS` words per ring.
#[derive(Debug)]
pub struct Board<const DEVICES: usize, const PAIRS: usize, const WORDS: usize> {
    devices: [BoardDevice; DEVICES],
    slots: [RingSlot<WORDS>; PAIRS],
    in_use: spin::Mutex<[bool; PAIRS]>,
    firmware: spin::Mutex<Firmware>,
    attached: AtomicU32,
}

impl<const DEVICES: usize, const PAIRS: usize, const WORDS: usize> Board<DEVICES, PAIRS, WORDS> {
    /// Bytes of the board that are the devices' side, not qsal's state: every ring slot's CSR
    /// window and ring memory (on hardware, the device's BAR and DMA memory).
    pub const DEVICE_MEMORY: usize = PAIRS * (CSR_WORDS * 4 + 2 * WORDS * 4);

    /// A board with `devices` (usable in a `static`).
    pub const fn new(devices: [BoardDevice; DEVICES]) -> Self {
        Self {
            devices,
            slots: [const { RingSlot::new() }; PAIRS],
            in_use: spin::Mutex::new([false; PAIRS]),
            firmware: spin::Mutex::new(Firmware {
                stalled: false,
                corrupt_next: 0,
                answered: 0,
            }),
            attached: AtomicU32::new(0),
        }
    }

    /// The devices.
    pub fn devices(&self) -> &[BoardDevice] {
        &self.devices
    }

    fn find(&self, accel_id: u32) -> Result<&BoardDevice, BoardError> {
        self.devices
            .iter()
            .find(|d| d.accel_id == accel_id)
            .ok_or(BoardError::NoSuchDevice(accel_id))
    }

    /// Takes a free ring slot; its index.
    pub(crate) fn claim(&self) -> Result<usize, BoardError> {
        let mut in_use = self.in_use.lock();
        let index = in_use
            .iter()
            .position(|used| !used)
            .ok_or(BoardError::NoRingSlot)?;
        if let Some(used) = in_use.get_mut(index) {
            *used = true;
        }
        Ok(index)
    }

    /// Gives a ring slot back (its rings were disabled).
    pub(crate) fn release(&self, index: usize) {
        if let Some(slot) = self.slots.get(index) {
            *slot.served.lock() = None;
        }
        if let Some(used) = self.in_use.lock().get_mut(index) {
            *used = false;
        }
    }

    /// Ring slot `index`.
    pub(crate) fn slot(&self, index: usize) -> Option<&RingSlot<WORDS>> {
        self.slots.get(index)
    }

    pub(crate) fn attached_add(&self, delta: i32) {
        if delta > 0 {
            self.attached.fetch_add(1, Ordering::SeqCst);
        } else {
            self.attached.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The device side: answers up to `budget` requests on each ring slot in use; returns how many.
    pub fn step(&self, budget: u32) -> Result<u32, EngineError> {
        let mut firmware = self.firmware.lock();
        let mut done = 0u32;
        for slot in &self.slots {
            let Some((layout, shape)) = *slot.served.lock() else {
                continue;
            };
            done = done.saturating_add(firmware.serve(
                &slot.csr,
                layout,
                shape,
                (&slot.tx, &slot.rx),
                budget,
            )?);
        }
        Ok(done)
    }

    /// Fault injection: while stalled, the device side answers nothing.
    pub fn set_stalled(&self, stalled: bool) {
        self.firmware.lock().stalled = stalled;
    }

    /// Fault injection: the next `count` responses are corrupted.
    pub fn corrupt_next(&self, count: u32) {
        self.firmware.lock().corrupt_next = count;
    }

    /// Attachments alive now.
    pub fn attached(&self) -> u32 {
        self.attached.load(Ordering::SeqCst)
    }

    /// Ring slots in use now.
    pub fn slots_in_use(&self) -> usize {
        self.in_use.lock().iter().filter(|used| **used).count()
    }
}

impl<const DEVICES: usize, const PAIRS: usize, const WORDS: usize> ErrorType
    for Board<DEVICES, PAIRS, WORDS>
{
    type Error = BoardError;
}

impl<'b, const DEVICES: usize, const PAIRS: usize, const WORDS: usize> Devices
    for &'b Board<DEVICES, PAIRS, WORDS>
{
    type Attachment = BoardAttachment<'b, DEVICES, PAIRS, WORDS>;

    fn count(&self) -> Result<usize, BoardError> {
        Ok(self.devices.len())
    }

    fn device(&self, index: usize) -> Result<Option<DeviceInfo>, BoardError> {
        Ok(self.devices.get(index).map(|d| DeviceInfo {
            accel_id: d.accel_id,
            device_type: d.device_type,
            pci: None,
            generation: 0,
        }))
    }

    fn with_expanded<T>(
        &self,
        accel_id: u32,
        f: impl FnOnce(&Expanded<'_>) -> T,
    ) -> Result<T, BoardError> {
        let device = self.find(accel_id)?;
        Ok(f(&Expanded::unindexed(
            device.expanded.as_bytes(),
            device.device_type.profile(),
        )))
    }

    fn attach(
        &self,
        accel_id: u32,
        section: &str,
    ) -> Result<Option<BoardAttachment<'b, DEVICES, PAIRS, WORDS>>, BoardError> {
        let board: &'b Board<DEVICES, PAIRS, WORDS> = self;
        let device = board.find(accel_id)?;
        let profile = device.device_type.profile();
        let layout = Layout::of(profile.generation);
        let expanded = Expanded::unindexed(device.expanded.as_bytes(), profile);
        let Some(body) = expanded.section(section) else {
            return Ok(None);
        };
        let mut attachment = BoardAttachment::new(board, accel_id);
        let mut failure = None;
        ring_specs(body, &profile, |spec| {
            if failure.is_some() {
                return;
            }
            if let Err(e) = attachment.add(layout, spec) {
                failure = Some(e);
            }
        })
        .map_err(|e| BoardError::keys(accel_id, e))?;
        match failure {
            Some(e) => Err(e),
            None => Ok(Some(attachment)),
        }
    }
}

impl<const WORDS: usize> RingSlot<WORDS> {
    /// Sets up the ring pair `shape` (as deep as the spec asks and the memory holds) on this slot.
    pub(crate) fn pair(
        &self,
        layout: Layout,
        shape: PairShape,
    ) -> Result<BoardPair<'_, WORDS>, qsal_core::ring::RingError> {
        let holds = (WORDS * 4)
            .checked_div(shape.request_bytes)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
        let shape = PairShape {
            messages: shape.messages.min(holds),
            ..shape
        };
        let pair = RingPair::create(&self.csr, layout, shape, &self.tx, &self.rx)?;
        *self.served.lock() = Some((layout, shape));
        Ok(pair)
    }
}
