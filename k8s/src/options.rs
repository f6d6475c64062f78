//! [`Options`]: where the runtime directory and the kubelet's plugin directory are, what the
//! resources are called and what a container is given.

use std::path::PathBuf;
use std::time::Duration;

/// What the plugin needs to know.
#[derive(Clone, Debug)]
pub struct Options {
    /// qsal's runtime directory on the host.
    pub runtime_dir: PathBuf,
    /// The kubelet's device plugin directory (`/var/lib/kubelet/device-plugins`).
    pub plugin_dir: PathBuf,
    /// The prefix of resource names: `qat.intel.com` (Intel's, so existing pod specs work).
    pub resource_prefix: String,
    /// Where a container finds the runtime directory (mounted from [`Options::runtime_dir`]).
    pub container_runtime_dir: PathBuf,
    /// Where the host's device nodes are (`/dev`).
    pub dev_root: PathBuf,
    /// The longest time between two reads of the runtime directory when inotify reports nothing
    /// (a safety net; changes are seen through inotify first).
    pub rescan: Duration,
    /// The kubelet's pod resources socket ([`crate::pod_resources::SOCKET`]), asked before each
    /// registration and at every rescan which slots are allocated; `None` to not ask.
    pub pod_resources_socket: Option<PathBuf>,
}

impl Options {
    /// The full resource name of resource `short` (`cy1_dc0` → `qat.intel.com/cy1_dc0`).
    pub fn resource_name(&self, short: &str) -> String {
        format!("{}/{short}", self.resource_prefix)
    }

    /// The socket file name this plugin serves resource `short` on, in the plugin directory.
    pub fn endpoint(&self, short: &str) -> String {
        format!("qsal-{short}.sock")
    }
}
