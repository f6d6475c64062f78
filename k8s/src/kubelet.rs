//! Talking to the kubelet: gRPC over Unix sockets, and registration.

use std::path::{Path, PathBuf};

use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::Options;
use crate::api;
use crate::api::registration_client::RegistrationClient;

/// Why the kubelet could not be reached or refused a registration.
#[derive(Debug)]
pub enum KubeletError {
    /// The socket could not be connected.
    Connect {
        /// The socket.
        socket: PathBuf,
        /// What failed.
        source: tonic::transport::Error,
    },
    /// The kubelet answered the registration with an error.
    Refused {
        /// The resource.
        resource: String,
        /// The kubelet's status.
        status: Box<tonic::Status>,
    },
}

impl std::fmt::Display for KubeletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connect { socket, source } => write!(
                f,
                "cannot connect to {}: {source} (is the kubelet running, and is its device plugin directory mounted at --plugin-dir?)",
                socket.display()
            ),
            Self::Refused { resource, status } => write!(
                f,
                "the kubelet refused to register {resource}: {} ({:?})",
                status.message(),
                status.code()
            ),
        }
    }
}

impl std::error::Error for KubeletError {}

/// A gRPC channel to the kubelet's registration socket or a plugin's socket, `socket`.
pub async fn connect(socket: &Path) -> Result<Channel, KubeletError> {
    channel(socket)
        .await
        .map_err(|source| KubeletError::Connect {
            socket: socket.to_path_buf(),
            source,
        })
}

/// A gRPC channel over the Unix socket `socket` (the URI is required by the API and ignored).
pub async fn channel(socket: &Path) -> Result<Channel, tonic::transport::Error> {
    let path = socket.to_path_buf();
    let endpoint = Endpoint::from_static("http://[::]:50051");
    endpoint
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await
}

/// Registers resource `short` (`cy1_dc0`) with the kubelet, served on its endpoint socket.
pub async fn register(options: &Options, short: &str) -> Result<(), KubeletError> {
    let socket = options.plugin_dir.join(api::KUBELET_SOCKET);
    let mut client = RegistrationClient::new(connect(&socket).await?);
    let resource = options.resource_name(short);
    client
        .register(api::RegisterRequest {
            version: api::VERSION.into(),
            endpoint: options.endpoint(short),
            resource_name: resource.clone(),
            options: Some(crate::service::plugin_options()),
        })
        .await
        .map_err(|status| KubeletError::Refused {
            resource,
            status: Box::new(status),
        })?;
    Ok(())
}
