//! qsal-k8s: a Kubernetes device plugin that advertises qsal slots to the kubelet.
//!
//! Intel's kernel-mode QAT device plugin re-reads `/etc/<type>_dev<N>.conf` every 5 s and offers
//! one device per `NumProcesses` entry without knowing who holds what. This plugin reads qsal's
//! runtime directory instead ([`qsal_backend_linux::inventory`]): one device per slot, counted as
//! the slot search counts them, with the same resource names (`qat.intel.com/cy<N>_dc<M>`) and
//! device ids (`<section>_dev<N>_<i>`) so existing pod specs keep working, health from qsal's own
//! knowledge (a device gone or down, or a slot held by a process the kubelet did not allocate it
//! to, is `Unhealthy`), updates pushed when inotify reports a change, and the allocated slot given
//! to the container as `QSAL_SLOT`, which libqsal and `qsal hold` take exactly.
//!
//! * [`api`] — the kubelet's v1beta1 API, generated from `proto/v1beta1/api.proto`.
//! * [`Options`] — where things are and what resources are called.
//! * [`inventory_watch`] — the inventory, re-read on every change, and the allocations made.
//! * [`health`] — the device list of one resource, with health.
//! * [`allocation`] — what a container gets (`Allocate`) and which slots to prefer.
//! * [`service`] — the `DevicePlugin` gRPC service of one resource.
//! * [`watch`] — inotify on the runtime directory and the plugin directory.
//! * [`kubelet`] — Unix-socket gRPC connections and registration.
//! * [`pod_resources`] — the slots the kubelet lists as allocated (its pod resources API): those
//!   allocated before the plugin started, without those of pods that ended.
//! * [`run()`] — the plugin's life: serve, register, re-register when the kubelet restarts.

pub mod allocation;
pub mod api;
pub mod health;
pub mod inventory_watch;
pub mod kubelet;
mod options;
pub mod pod_resources;
mod run;
pub mod service;
pub mod watch;

pub use options::Options;
pub use run::{PluginError, run};
