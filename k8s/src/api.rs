//! The kubelet's device plugin API, version v1beta1: messages, the `Registration` service (served
//! by the kubelet) and the `DevicePlugin` service (served by each plugin), generated at build time
//! from `proto/v1beta1/api.proto` (protox, no system `protoc`).

#![allow(missing_docs, clippy::all, clippy::pedantic)]

tonic::include_proto!("v1beta1");

/// The API version a plugin registers with.
pub const VERSION: &str = "v1beta1";
/// The health of a usable device.
pub const HEALTHY: &str = "Healthy";
/// The health of a device that must not be allocated.
pub const UNHEALTHY: &str = "Unhealthy";
/// The kubelet's registration socket, in the plugin directory.
pub const KUBELET_SOCKET: &str = "kubelet.sock";
