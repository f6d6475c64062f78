//! qsal-capi: `libqsal`, a drop-in implementation of Intel's `icp_sal_user.h` C ABI over qsal's
//! Linux backend — start and stop (`icp_sal_userStart`, `icp_sal_userStartMultiProcess`,
//! `icp_sal_userStop`, `icp_sal_userIsQatAvailable`), devices (`icp_sal_find_new_devices`,
//! `icp_sal_poll_device_events`, heartbeats, simulated failures, resets), the PF↔VF messaging and
//! compression-error functions (which qsal does not have: they say so) — plus qsal's extensions
//! (`qsal_last_error`, `qsal_section_name`, `qsal_start_wait`, `qsal_exchange`).
//!
//! This crate is only the `extern "C"` layer: the process-wide state and every operation live in
//! [`qsal_backend_linux::process`].
//!
//! * [`ffi`] — the `extern "C"` functions: argument checks, `CpaStatus` mapping, and a guarantee
//!   that no panic crosses the boundary.
//! * [`last_error`] — the calling thread's last failure, for `qsal_last_error`.
//! * [`log_sink`] — the `log` sink that prints qsal's events on stderr as `QSAL_LOG` asks.
//! * [`status`] — the `CpaStatus` values of `cpa.h`.

pub mod ffi;
pub mod last_error;
pub mod log_sink;
pub mod status;
