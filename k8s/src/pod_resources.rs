//! What the kubelet has already given out: the device ids of this plugin's resources that the
//! kubelet's pod resources API lists for the containers on the node.
//!
//! The plugin learns of an allocation when the kubelet calls `Allocate`; a plugin that starts
//! while pods already hold slots — after an upgrade of the DaemonSet, a crash, a node reboot with
//! pods restarted before the plugin — never saw those calls. Without this list it would report
//! each such slot `Unhealthy` (held by a process outside Kubernetes), and the scheduler, which
//! counts the node's allocatable slots from the healthy ones, would see that many fewer free slots
//! until those pods ended.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::kubelet;

/// The pod resources API, version v1 (the part the plugin reads), generated at build time from
/// `proto/podresources/v1/api.proto`; the server side is there for tests that play the kubelet.
pub mod api {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("v1");
}

/// Where the kubelet serves the pod resources API.
pub const SOCKET: &str = "/var/lib/kubelet/pod-resources/kubelet.sock";

/// How long the kubelet is given to accept the connection and list its pods.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Why the kubelet's list of allocations could not be read.
#[derive(Debug)]
pub enum PodResourcesError {
    /// The socket could not be connected.
    Connect {
        /// The socket.
        socket: PathBuf,
        /// What failed.
        source: tonic::transport::Error,
    },
    /// The kubelet answered with an error.
    Refused {
        /// The socket.
        socket: PathBuf,
        /// The kubelet's status.
        status: Box<tonic::Status>,
    },
    /// The kubelet did not answer in time.
    Timeout {
        /// The socket.
        socket: PathBuf,
    },
}

impl std::fmt::Display for PodResourcesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect { socket, source } => write!(
                f,
                "cannot connect to the kubelet's pod resources socket {}: {source} (mount /var/lib/kubelet/pod-resources into the plugin's pod, as deploy/qsal-k8s-daemonset.yaml does, or name the socket with --pod-resources-socket)",
                socket.display()
            ),
            Self::Refused { socket, status } => write!(
                f,
                "the kubelet's pod resources API at {} refused to list the pods: {} ({:?})",
                socket.display(),
                status.message(),
                status.code()
            ),
            Self::Timeout { socket } => write!(
                f,
                "the kubelet's pod resources API at {} did not answer within {} s",
                socket.display(),
                ANSWER_WITHIN.as_secs()
            ),
        }
    }
}

impl std::error::Error for PodResourcesError {}

/// The device ids the kubelet lists as given to containers, of every resource named
/// `<resource_prefix>/…` (this plugin's).
pub async fn allocated_ids(
    socket: &Path,
    resource_prefix: &str,
) -> Result<BTreeSet<String>, PodResourcesError> {
    let listed = tokio::time::timeout(ANSWER_WITHIN, list(socket))
        .await
        .map_err(|_| PodResourcesError::Timeout {
            socket: socket.to_path_buf(),
        })??;
    let ours = |resource: &str| {
        resource
            .strip_prefix(resource_prefix)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    Ok(listed
        .pod_resources
        .into_iter()
        .flat_map(|pod| pod.containers)
        .flat_map(|container| container.devices)
        .filter(|devices| ours(&devices.resource_name))
        .flat_map(|devices| devices.device_ids)
        .collect())
}

/// The kubelet's answer to `List` on `socket`.
async fn list(socket: &Path) -> Result<api::ListPodResourcesResponse, PodResourcesError> {
    let channel = kubelet::channel(socket)
        .await
        .map_err(|source| PodResourcesError::Connect {
            socket: socket.to_path_buf(),
            source,
        })?;
    let mut client = api::pod_resources_lister_client::PodResourcesListerClient::new(channel);
    client
        .list(api::ListPodResourcesRequest {})
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| PodResourcesError::Refused {
            socket: socket.to_path_buf(),
            status: Box::new(status),
        })
}
