//! The plugin's life: read the inventory, serve one `DevicePlugin` per resource on a socket in the
//! plugin directory, register each with the kubelet, add resources as they appear, and start over
//! when the kubelet restarts (it removes every socket and serves a new `kubelet.sock`).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnixListenerStream;

use crate::api::device_plugin_server::DevicePluginServer;
use crate::inventory_watch::InventoryWatch;
use crate::kubelet::{KubeletError, register};
use crate::service::SlotPlugin;
use crate::{Options, api, watch};

/// Why the plugin stopped.
#[derive(Debug)]
pub enum PluginError {
    /// A plugin socket could not be created.
    Bind {
        /// The socket.
        socket: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// inotify could not be set up.
    Watch(std::io::Error),
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bind { socket, source } => write!(
                f,
                "cannot serve on {}: {source} (is --plugin-dir the kubelet's device plugin directory, writable by this user?)",
                socket.display()
            ),
            Self::Watch(e) => write!(
                f,
                "cannot watch the runtime and plugin directories with inotify: {e} (raise fs.inotify.max_user_instances / max_user_watches)"
            ),
        }
    }
}

impl std::error::Error for PluginError {}

/// One resource being served.
struct Served {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), tonic::transport::Error>>,
    socket: PathBuf,
}

/// Runs the plugin until `shutdown` completes.
pub async fn run(options: Options, shutdown: impl Future<Output = ()>) -> Result<(), PluginError> {
    let options = Arc::new(options);
    let inventory = InventoryWatch::new((*options).clone());
    let kubelet = Arc::new(Notify::new());
    let fresh = tokio::spawn(inventory.clone().keep_fresh());
    let allocations = tokio::spawn(inventory.clone().keep_allocations_current());
    let watcher = tokio::spawn(watch::watch(
        options.clone(),
        inventory.clone(),
        kubelet.clone(),
    ));
    let result = tokio::select! {
        r = sessions(&options, &inventory, &kubelet) => r,
        () = shutdown => Ok(()),
    };
    fresh.abort();
    allocations.abort();
    watcher.abort();
    result
}

/// Kubelet sessions, one after the other: each ends when the kubelet restarts.
async fn sessions(
    options: &Arc<Options>,
    inventory: &Arc<InventoryWatch>,
    kubelet: &Arc<Notify>,
) -> Result<(), PluginError> {
    let kubelet_socket = options.plugin_dir.join(api::KUBELET_SOCKET);
    let mut served: BTreeMap<String, Served> = BTreeMap::new();
    // Resources registered in an earlier session are served again even if gone now, so their
    // devices are reported Unhealthy rather than silently dropped.
    let mut wanted: Vec<String> = Vec::new();
    loop {
        // Wait for the kubelet.
        while !kubelet_socket.exists() {
            tokio::select! {
                () = kubelet.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        let outcome = session(options, inventory, kubelet, &mut served, &mut wanted).await;
        stop_all(&mut served).await;
        match outcome {
            Ok(()) => eprintln!("qsal-k8s: the kubelet restarted; serving and registering again"),
            Err(SessionError::Kubelet(e)) => {
                eprintln!("qsal-k8s: {e}; trying again in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(SessionError::Plugin(e)) => return Err(e),
        }
    }
}

enum SessionError {
    Kubelet(KubeletError),
    Plugin(PluginError),
}

/// Serves and registers every resource of the inventory (and each new one as it appears) until
/// the kubelet restarts (`Ok`) or cannot be reached.
async fn session(
    options: &Arc<Options>,
    inventory: &Arc<InventoryWatch>,
    kubelet: &Arc<Notify>,
    served: &mut BTreeMap<String, Served>,
    wanted: &mut Vec<String>,
) -> Result<(), SessionError> {
    recover_allocations(inventory).await;
    let mut snapshots = inventory.subscribe();
    loop {
        for resource in snapshots.borrow_and_update().inventory.resources() {
            if !wanted.contains(&resource) {
                wanted.push(resource);
            }
        }
        for resource in wanted.iter() {
            if served.contains_key(resource) {
                continue;
            }
            let one = serve(options, inventory, resource).map_err(SessionError::Plugin)?;
            served.insert(resource.clone(), one);
            register(options, resource)
                .await
                .map_err(SessionError::Kubelet)?;
            eprintln!(
                "qsal-k8s: registered {} (endpoint {})",
                options.resource_name(resource),
                options.endpoint(resource)
            );
        }
        tokio::select! {
            () = kubelet.notified() => return Ok(()),
            changed = snapshots.changed() => if changed.is_err() { return Ok(()) },
        }
    }
}

/// Asks the kubelet which slots it had already allocated (to containers started before this
/// plugin, or before the kubelet restarted) and publishes the result before anything is served, so
/// their holders are not reported as outsiders.
async fn recover_allocations(inventory: &InventoryWatch) {
    inventory.ask_kubelet().await;
    inventory.refresh().await;
}

/// Serves resource `resource` on its socket (a stale socket of an earlier run is replaced).
fn serve(
    options: &Arc<Options>,
    inventory: &Arc<InventoryWatch>,
    resource: &str,
) -> Result<Served, PluginError> {
    let socket = options.plugin_dir.join(options.endpoint(resource));
    match std::fs::remove_file(&socket) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(PluginError::Bind { socket, source }),
    }
    let listener = UnixListener::bind(&socket).map_err(|source| PluginError::Bind {
        socket: socket.clone(),
        source,
    })?;
    let plugin = SlotPlugin::new(resource.to_string(), options.clone(), inventory.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(DevicePluginServer::new(plugin))
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), async {
                let _ = stopped.await;
            }),
    );
    Ok(Served { stop, task, socket })
}

/// Stops every server and removes its socket.
async fn stop_all(served: &mut BTreeMap<String, Served>) {
    for (_, one) in std::mem::take(served) {
        let _ = one.stop.send(());
        one.task.abort();
        let _ = one.task.await;
        let _ = std::fs::remove_file(&one.socket);
    }
}
