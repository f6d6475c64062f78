//! A small-RAM preset: the capacities a firmware with up to two devices uses, chosen so that it
//! stays under 16 KiB of stack and 8 KiB of qsal's own statics (numbers in BENCHMARKS.md, measured
//! by the bare-metal example on both chips).
//!
//! | alias | capacity | size |
//! |---|---|---|
//! | [`SmallConfig`] | 6 sections, 24 keys | the parser's tables, on the stack while parsing |
//! | [`SmallBoard`] | 2 devices, 8 ring pairs of 2 × 1 KiB | the board's ring memory (a static) |
//! | [`SmallRegistry`] | 8 slot names | the lease table (a static) |
//! | [`SmallTask`] | a task attached to up to 2 devices | one task's start/stop state |

use qsal_core::Config;
use qsal_core::slot::MemoryRegistry;

use crate::{Board, BoardSal};

/// Sections a small configuration may have.
pub const SECTIONS: usize = 6;
/// Keys a small configuration may have.
pub const KEYS: usize = 24;
/// Devices of a small board.
pub const DEVICES: usize = 2;
/// Ring pairs a small board serves at once.
pub const PAIRS: usize = 8;
/// Words (4 bytes) of each ring of a small board.
pub const WORDS: usize = 256;
/// Bytes of ring memory of a [`SmallBoard`] (its rings; the device's DMA memory).
pub const RING_MEMORY: usize = PAIRS * 2 * WORDS * 4;
/// Slot names a small registry holds.
pub const SLOTS: usize = 8;

/// A configuration parsed into small tables.
pub type SmallConfig<'a> = Config<'a, SECTIONS, KEYS>;
/// A board of two devices and eight ring pairs.
pub type SmallBoard = Board<DEVICES, PAIRS, WORDS>;
/// A registry of eight slot names.
pub type SmallRegistry = MemoryRegistry<SLOTS>;
/// One task on a [`SmallBoard`].
pub type SmallTask<'b> = BoardSal<'b, DEVICES, PAIRS, WORDS, SLOTS>;
