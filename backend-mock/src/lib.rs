//! qsal-backend-mock: an in-memory platform for tests and firmware.
//!
//! * [`MockWorld`] — devices built from configuration text (validated and expanded by the core),
//!   implementing [`Devices`](qsal_core::platform::Devices), with fault injection: a device down, a
//!   failing attach (bank mapping).
//! * The slot registry is the core's [`MemoryRegistry`](qsal_core::slot::MemoryRegistry), whose own
//!   fault injection covers a full registry and a revoked ("lost") lease.
//! * [`MockEngine`] — one ring pair's memory and CSR window with the core's software firmware,
//!   step-driven, with its fault injection (stalled engine, corrupted responses).
//! * [`MockPlatform`] — a process id and a virtual clock that advances when someone sleeps.
//! * [`MockProcess`] — a simulated process: its own [`Sal`](qsal_core::sal::Sal) over the shared world;
//!   `fork` copies it as the operating system would, dropping it is a crash (its leases and
//!   attachments are released, as the kernel would release them).
//!
//! Everything is `no_std` and allocation-free, so the same mock runs inside firmware under QEMU.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod engine;
mod error;
mod platform;
mod process;
mod world;

pub use engine::{MockEngine, MockPair};
pub use error::MockError;
pub use platform::{MockClock, MockPlatform};
pub use process::{MockProcess, MockRegistry, MockSal};
pub use world::{MockAttachment, MockWorld};
