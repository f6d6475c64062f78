//! qsal-backend-mock: an in-memory platform for tests and firmware.
//!
//! Owns simulated devices built from configuration text, an in-memory slot registry, simulated
//! processes and a software "firmware" that answers ring requests, each with fault injection.
//! It is `no_std`-compatible so the same mock runs under QEMU on a Cortex-M.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
