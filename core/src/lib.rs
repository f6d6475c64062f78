//! qsal-core: the platform-independent heart of qsal.
//!
//! This crate owns every piece of logic that must behave identically in a Linux process, a unikernel
//! and bare-metal firmware:
//!
//! * [`config`] — the zero-copy parser for QAT `.conf` files (the grammar of Intel's `adf_ctl`) into
//!   fixed-capacity tables, with positioned [`diag`]nostics.
//! * [`validate`] — the checks an operator needs before loading a file: `[GENERAL]`, services,
//!   instances, core lists, number formats and name lengths.
//! * [`profile`] — the hardware facts of every supported device type.
//! * [`value`] — the value grammars shared by every layer (decimal numbers, core lists, services).
//! * [`expand`], [`slot`], [`sal`], [`ring`] — expansion, slot search, the start/stop state machine
//!   and the ring protocol; [`platform`] — the traits a backend implements.
//! * [`macros`] — logging shims to `defmt` (feature `defmt`), `log` (feature `log`) or nothing.
//!
//! The crate is `#![no_std]`, never allocates, forbids `unsafe`, and is written so that no input can
//! make it panic: capacities are const generics, overflow is reported as a diagnostic.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used
)]
// Errors carry their message data inline (there is no allocator to box it in), so some are larger
// than clippy's default thresholds on purpose.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]
#![cfg_attr(
    test,
    allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unwrap_used
    )
)]

pub mod macros;

pub mod clock;
pub mod config;
pub mod diag;
pub mod expand;
pub mod limits;
pub mod names;
pub mod platform;
pub mod profile;
pub mod ring;
pub mod sal;
pub mod slot;
pub mod strings;
pub mod validate;
pub mod value;

pub use config::{Config, Entry, SectionRef, Text};
pub use diag::{Code, Diagnostic, DiagnosticSink, Severity, Span};
pub use profile::{DeviceProfile, DeviceType, Driver};
