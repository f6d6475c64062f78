//! qsal-backend-appliance: the backend of a board or a unikernel that owns its devices statically.
//!
//! An appliance knows its devices when it is built: each one is a [`BoardDevice`] — its type, its
//! accel id and its *expanded* configuration as a `&'static str` (a build script runs the core's
//! expansion on the host and embeds the text) — and the memory its rings use is a static pool of
//! [`RingSlot`]s inside the [`Board`]. Nothing is allocated and nothing is read from a file system.
//!
//! * [`Board`] — the devices and the ring memory; it implements the core's
//!   [`Devices`](qsal_core::platform::Devices), so a task's start attaches to the devices holding
//!   its derived section and takes a ring slot per ring pair. [`Board::step`] runs the device side
//!   (the core's software firmware over every slot in use), with fault injection.
//! * Slots are the core's [`MemoryRegistry`](qsal_core::slot::MemoryRegistry).
//! * [`TaskPlatform`] — a task's identity and the board's [`BoardClock`].
//! * [`BoardSal`] — the start/stop state machine of one task; dropping it is a crash (its slot and
//!   ring slots come back).
//!
//! `no_std`, no `alloc`, no `unsafe`; with the `defmt` feature its types derive `defmt::Format`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod attachment;
mod board;
mod error;
pub mod preset;
mod task;

pub use attachment::{BoardAttachment, BoardPair, MAX_PAIRS, Pair};
pub use board::{Board, BoardDevice, RingSlot};
pub use error::BoardError;
pub use task::{BoardClock, BoardSal, TaskPlatform};
