//! [`BoardAttachment`]: a task's attachment to a board device — one ring slot per ring pair of its
//! derived section, given back when the attachment is dropped (a stop, or a crash).

use qsal_core::platform::Attachment;
use qsal_core::ring::{AtomicMemory, Layout, RingPair, RingSpec, SmallCsr};

use crate::board::CSR_WORDS;
use crate::{Board, BoardError};

/// Ring pairs one attachment holds at most: a section's instances on one device (a crypto instance
/// has two). Small, because an appliance keeps every task's attachments in RAM.
pub const MAX_PAIRS: usize = 4;

/// The host side of a ring pair in a board's ring slot.
pub type BoardPair<'b, const WORDS: usize> =
    RingPair<&'b SmallCsr<CSR_WORDS>, &'b AtomicMemory<WORDS>>;

/// One ring pair of an attachment.
#[derive(Debug)]
pub struct Pair<'b, const WORDS: usize> {
    /// Which instance and rings.
    pub spec: RingSpec,
    /// The data path.
    pub pair: BoardPair<'b, WORDS>,
    slot: usize,
}

/// A task's attachment to one board device.
#[derive(Debug)]
pub struct BoardAttachment<'b, const DEVICES: usize, const PAIRS: usize, const WORDS: usize> {
    board: &'b Board<DEVICES, PAIRS, WORDS>,
    accel_id: u32,
    pairs: heapless::Vec<Pair<'b, WORDS>, MAX_PAIRS>,
}

impl<'b, const DEVICES: usize, const PAIRS: usize, const WORDS: usize>
    BoardAttachment<'b, DEVICES, PAIRS, WORDS>
{
    pub(crate) fn new(board: &'b Board<DEVICES, PAIRS, WORDS>, accel_id: u32) -> Self {
        board.attached_add(1);
        Self {
            board,
            accel_id,
            pairs: heapless::Vec::new(),
        }
    }

    /// Sets up the ring pair `spec` in a free ring slot.
    pub(crate) fn add(&mut self, layout: Layout, spec: RingSpec) -> Result<(), BoardError> {
        if self.pairs.is_full() {
            return Err(BoardError::TooManyPairs);
        }
        let index = self.board.claim()?;
        let Some(slot) = self.board.slot(index) else {
            self.board.release(index);
            return Err(BoardError::NoRingSlot);
        };
        let pair = match slot.pair(layout, spec.shape()) {
            Ok(pair) => pair,
            Err(e) => {
                self.board.release(index);
                return Err(BoardError::ring(self.accel_id, spec.tx, e));
            }
        };
        // Cannot fail: checked not full above.
        let _ = self.pairs.push(Pair {
            spec,
            pair,
            slot: index,
        });
        Ok(())
    }

    /// The ring pairs.
    pub fn pairs(&mut self) -> &mut [Pair<'b, WORDS>] {
        &mut self.pairs
    }

    /// The device.
    pub fn accel_id(&self) -> u32 {
        self.accel_id
    }
}

impl<const DEVICES: usize, const PAIRS: usize, const WORDS: usize> Drop
    for BoardAttachment<'_, DEVICES, PAIRS, WORDS>
{
    fn drop(&mut self) {
        while let Some(pair) = self.pairs.pop() {
            let slot = pair.slot;
            drop(pair); // disables the rings
            self.board.release(slot);
        }
        self.board.attached_add(-1);
    }
}

impl<const DEVICES: usize, const PAIRS: usize, const WORDS: usize> Attachment
    for BoardAttachment<'_, DEVICES, PAIRS, WORDS>
{
    fn accel_id(&self) -> u32 {
        self.accel_id
    }

    fn generation(&self) -> u64 {
        0
    }

    /// Tasks are not forked; a copy would be abandoned like any other.
    fn abandon(self) {
        drop(self);
    }
}
