//! The device plugin against an in-process fake kubelet: a gRPC `Registration` server on a Unix
//! socket in a temporary plugin directory that records registrations, while the test plays the
//! kubelet's side of `ListAndWatch`, `Allocate` and `GetPreferredAllocation`, changes the runtime
//! directory underneath (holds outside Kubernetes, an allocated holder, `qsal down`) and restarts
//! the kubelet; and a plugin started while containers already hold slots, which learns of their
//! allocation from a fake pod resources API. The plugin's safety-net rescan is set to a minute, so
//! every update the test waits for (at most 10 s) comes through inotify.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qsal_backend_linux::{
    LinuxDevices, LinuxPlatform, LinuxSal, LinuxSlots, RuntimeDir, SlotSource, linux_sal, store,
};
use qsal_core::DeviceType;
use qsal_core::sal::Sal;
use qsal_k8s::api::device_plugin_client::DevicePluginClient;
use qsal_k8s::api::registration_server::{Registration, RegistrationServer};
use qsal_k8s::api::{self, ListAndWatchResponse};
use qsal_k8s::pod_resources::api::pod_resources_lister_server::{
    PodResourcesLister, PodResourcesListerServer,
};
use qsal_k8s::pod_resources::api::{
    ContainerDevices, ContainerResources, ListPodResourcesRequest, ListPodResourcesResponse,
    PodResources,
};
use qsal_k8s::{Options, kubelet};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnixListenerStream;
use tonic::{Request, Response, Status, Streaming};

/// [SSL] pinned (2 per device), [TLS] shared (1) — both cy1_dc0 —, [ZIP] shared compression (3).
const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy;dc\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = 2\nLimitDevAccess = 1\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n\
[TLS]\nNumberCyInstances = 1\nNumberDcInstances = 0\nNumProcesses = 1\nLimitDevAccess = 0\n\
Cy0Name = \"tls\"\nCy0IsPolled = 1\nCy0CoreAffinity = 1\n\
[ZIP]\nNumberCyInstances = 0\nNumberDcInstances = 1\nNumProcesses = 3\nLimitDevAccess = 0\n\
Dc0Name = \"zip\"\nDc0IsPolled = 1\nDc0CoreAffinity = 2\n";

const WAIT: Duration = Duration::from_secs(10);

/// The fake kubelet's registration service: records every request.
struct Recorder(mpsc::UnboundedSender<api::RegisterRequest>);

#[tonic::async_trait]
impl Registration for Recorder {
    async fn register(
        &self,
        request: Request<api::RegisterRequest>,
    ) -> Result<Response<api::Empty>, Status> {
        let _ = self.0.send(request.into_inner());
        Ok(Response::new(api::Empty {}))
    }
}

/// A running fake kubelet.
struct FakeKubelet {
    registrations: mpsc::UnboundedReceiver<api::RegisterRequest>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeKubelet {
    /// Serves `Registration` on `<plugin dir>/kubelet.sock`.
    fn start(plugin_dir: &Path) -> Self {
        let (sender, registrations) = mpsc::unbounded_channel();
        let listener = UnixListener::bind(plugin_dir.join("kubelet.sock")).expect("kubelet.sock");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(RegistrationServer::new(Recorder(sender)))
                .serve_with_incoming_shutdown(UnixListenerStream::new(listener), async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            registrations,
            stop,
            task,
        }
    }

    /// The next `n` registrations, by resource name.
    async fn registered(&mut self, n: usize) -> BTreeMap<String, api::RegisterRequest> {
        let mut seen = BTreeMap::new();
        while seen.len() < n {
            let request = tokio::time::timeout(WAIT, self.registrations.recv())
                .await
                .expect("a registration within 10 s")
                .expect("registration channel");
            seen.insert(request.resource_name.clone(), request);
        }
        seen
    }

    /// Stops as a restarting kubelet does: its server goes, then every socket in the directory.
    async fn restart(self, plugin_dir: &Path) -> Self {
        let _ = self.stop.send(());
        let _ = self.task.await;
        for entry in std::fs::read_dir(plugin_dir).expect("plugin dir") {
            std::fs::remove_file(entry.expect("entry").path()).expect("remove socket");
        }
        Self::start(plugin_dir)
    }
}

/// (id, health) of every device of a `ListAndWatch` response.
fn health(response: &ListAndWatchResponse) -> BTreeMap<String, String> {
    response
        .devices
        .iter()
        .map(|d| (d.id.clone(), d.health.clone()))
        .collect()
}

/// Reads the stream until `wanted` holds for a response, which it returns.
async fn until(
    stream: &mut Streaming<ListAndWatchResponse>,
    what: &str,
    wanted: impl Fn(&BTreeMap<String, String>) -> bool,
) -> BTreeMap<String, String> {
    let mut last = BTreeMap::new();
    let found = tokio::time::timeout(WAIT, async {
        while let Some(response) = stream.message().await.expect("ListAndWatch") {
            last = health(&response);
            if wanted(&last) {
                return Some(last.clone());
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(found)) => found,
        _ => panic!("{what}: not seen within 10 s; last list: {last:?}"),
    }
}

fn all(ids: &[&str], health: &str) -> BTreeMap<String, String> {
    ids.iter()
        .map(|id| (id.to_string(), health.to_string()))
        .collect()
}

const CY: [&str; 5] = [
    "SSL_dev0_0",
    "SSL_dev0_1",
    "SSL_dev1_0",
    "SSL_dev1_1",
    "TLS_dev0_0",
];

/// A state machine told to take `slot` (what `QSAL_SLOT` does).
fn pinned(runtime: &RuntimeDir, slot: &'static str) -> LinuxSal {
    Sal::new(
        LinuxPlatform::new().with_pinned_slot(Some(slot)),
        LinuxDevices::new(runtime),
        LinuxSlots::new(SlotSource::Files, runtime),
    )
}

async fn client(socket: PathBuf) -> DevicePluginClient<tonic::transport::Channel> {
    DevicePluginClient::new(kubelet::connect(&socket).await.expect("plugin socket"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fake_kubelet_sees_exact_slots_health_allocations_and_restarts() {
    let dir = qsal_tests::TempDir::new("k8s");
    let runtime_path = dir.0.join("run");
    let plugin_dir = dir.0.join("plugins");
    std::fs::create_dir(&plugin_dir).expect("plugin dir");
    let runtime = RuntimeDir::at(runtime_path.clone());
    qsal_tests::up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );

    let mut kubelet = FakeKubelet::start(&plugin_dir);
    let options = Options {
        runtime_dir: runtime_path.clone(),
        plugin_dir: plugin_dir.clone(),
        resource_prefix: "qat.intel.com".into(),
        container_runtime_dir: PathBuf::from("/run/qsal"),
        dev_root: dir.0.join("dev"),
        rescan: Duration::from_secs(60),
        pod_resources_socket: None,
    };
    let (stop_plugin, plugin_stopped) = oneshot::channel::<()>();
    let plugin = tokio::spawn(qsal_k8s::run(options, async {
        let _ = plugin_stopped.await;
    }));

    // 1. Registration: one resource per distinct cy/dc count, each on its own socket.
    let registered = kubelet.registered(2).await;
    assert_eq!(
        registered.keys().collect::<Vec<_>>(),
        ["qat.intel.com/cy0_dc1", "qat.intel.com/cy1_dc0"]
    );
    for (name, request) in &registered {
        assert_eq!(request.version, "v1beta1");
        let short = name.trim_start_matches("qat.intel.com/");
        assert_eq!(request.endpoint, format!("qsal-{short}.sock"));
        assert!(plugin_dir.join(&request.endpoint).exists());
        assert!(
            request
                .options
                .as_ref()
                .is_some_and(|o| o.get_preferred_allocation_available)
        );
    }

    // 2. ListAndWatch: one device per slot, exactly as qsal counts them, all healthy.
    let mut cy = client(plugin_dir.join("qsal-cy1_dc0.sock")).await;
    let options_reply = cy
        .get_device_plugin_options(api::Empty {})
        .await
        .expect("options")
        .into_inner();
    assert!(options_reply.get_preferred_allocation_available && !options_reply.pre_start_required);
    let mut devices = cy
        .list_and_watch(api::Empty {})
        .await
        .expect("watch")
        .into_inner();
    until(&mut devices, "five healthy cy1_dc0 slots", |h| {
        *h == all(&CY, "Healthy")
    })
    .await;
    let mut dc = client(plugin_dir.join("qsal-cy0_dc1.sock")).await;
    let mut dc_devices = dc
        .list_and_watch(api::Empty {})
        .await
        .expect("watch")
        .into_inner();
    let zip = ["ZIP_dev0_0", "ZIP_dev0_1", "ZIP_dev0_2"];
    until(&mut dc_devices, "three healthy ZIP slots", |h| {
        *h == all(&zip, "Healthy")
    })
    .await;

    // 3. A slot held outside Kubernetes: exactly that device turns Unhealthy, then back.
    let outside = linux_sal(&runtime);
    let held = outside.start(b"SSL").expect("hold outside");
    assert_eq!(held.section.as_str(), "SSL_DEV0_INT_0");
    let mut expected = all(&CY, "Healthy");
    expected.insert("SSL_dev0_0".into(), "Unhealthy".into());
    until(
        &mut devices,
        "SSL_dev0_0 unhealthy while held outside",
        |h| *h == expected,
    )
    .await;
    outside.stop().expect("release");
    until(&mut devices, "SSL_dev0_0 healthy after release", |h| {
        *h == all(&CY, "Healthy")
    })
    .await;

    // 4. Allocate: the environment, the mount, no device nodes for emulated devices.
    let reply = cy
        .allocate(api::AllocateRequest {
            container_requests: vec![api::ContainerAllocateRequest {
                devices_ids: vec!["SSL_dev1_1".into()],
            }],
        })
        .await
        .expect("allocate")
        .into_inner();
    let container = &reply.container_responses[0];
    let envs: BTreeMap<&str, &str> = container
        .envs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        envs,
        BTreeMap::from([
            ("QAT_SECTION_NAME", "SSL"),
            ("QAT_SECTION_NAME_cy1_dc0_0", "SSL"),
            ("QSAL_RUNTIME_DIR", "/run/qsal"),
            ("QSAL_SLOT", "SSL_DEV1_INT_1"),
        ])
    );
    assert_eq!(container.mounts.len(), 1);
    assert_eq!(container.mounts[0].container_path, "/run/qsal");
    assert_eq!(Path::new(&container.mounts[0].host_path), runtime_path);
    assert!(!container.mounts[0].read_only);
    assert!(container.devices.is_empty());
    let unknown = cy
        .allocate(api::AllocateRequest {
            container_requests: vec![api::ContainerAllocateRequest {
                devices_ids: vec!["SSL_dev7_0".into()],
            }],
        })
        .await
        .expect_err("unknown id");
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument);
    assert!(
        unknown.message().contains("SSL_dev7_0"),
        "{}",
        unknown.message()
    );

    // 5. The container takes exactly its slot (QSAL_SLOT) and stays Healthy; an outside holder
    //    of another slot does not.
    let container_sal = pinned(&runtime, "SSL_DEV1_INT_1");
    let took = container_sal.start(b"SSL").expect("allocated start");
    assert_eq!(took.section.as_str(), "SSL_DEV1_INT_1");
    let outside = linux_sal(&runtime);
    outside.start(b"SSL").expect("hold outside again");
    let mut expected = all(&CY, "Healthy");
    expected.insert("SSL_dev0_0".into(), "Unhealthy".into());
    until(
        &mut devices,
        "only the outside holder's slot unhealthy",
        |h| *h == expected,
    )
    .await;

    // 6. Preferred allocation: slots of a pinned section on one device.
    let preferred = cy
        .get_preferred_allocation(api::PreferredAllocationRequest {
            container_requests: vec![
                api::ContainerPreferredAllocationRequest {
                    available_device_i_ds: CY.iter().map(|s| s.to_string()).collect(),
                    must_include_device_i_ds: vec!["SSL_dev1_0".into()],
                    allocation_size: 2,
                },
                api::ContainerPreferredAllocationRequest {
                    available_device_i_ds: vec![
                        "SSL_dev0_1".into(),
                        "SSL_dev1_0".into(),
                        "SSL_dev1_1".into(),
                    ],
                    must_include_device_i_ds: Vec::new(),
                    allocation_size: 2,
                },
            ],
        })
        .await
        .expect("preferred")
        .into_inner();
    let chosen: Vec<Vec<String>> = preferred
        .container_responses
        .into_iter()
        .map(|c| c.device_i_ds)
        .collect();
    assert_eq!(
        chosen,
        [
            vec!["SSL_dev1_0".to_string(), "SSL_dev1_1".to_string()],
            vec!["SSL_dev1_0".to_string(), "SSL_dev1_1".to_string()],
        ]
    );

    // 7. The kubelet restarts: every socket goes, a new kubelet.sock appears; the plugin serves
    //    and registers both resources again.
    kubelet = kubelet.restart(&plugin_dir).await;
    let again = kubelet.registered(2).await;
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        ["qat.intel.com/cy0_dc1", "qat.intel.com/cy1_dc0"]
    );
    let mut cy = client(plugin_dir.join("qsal-cy1_dc0.sock")).await;
    let mut devices = cy
        .list_and_watch(api::Empty {})
        .await
        .expect("watch")
        .into_inner();
    until(&mut devices, "the list after the restart", |h| {
        *h == expected
    })
    .await;

    // 8. `qsal down`: no device stays Healthy.
    outside.stop().expect("stop outside");
    container_sal.stop().expect("stop container");
    store::remove_devices(&runtime, false, || {}).expect("down");
    until(&mut devices, "nothing healthy after qsal down", |h| {
        *h == all(&CY, "Unhealthy")
    })
    .await;

    // 9. `qsal up` again: the same slots come back Healthy (the watches follow the new set).
    qsal_tests::up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );
    until(&mut devices, "healthy again after qsal up", |h| {
        *h == all(&CY, "Healthy")
    })
    .await;

    let _ = stop_plugin.send(());
    plugin
        .await
        .expect("plugin task")
        .expect("the plugin stops cleanly");
    let _ = kubelet.stop.send(());
}

/// One container's devices as the fake kubelet lists them: (resource name, device ids).
type Listed = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// The fake kubelet's pod resources API: lists one pod whose container has the devices of
/// [`Listed`] at the moment it is asked.
struct Pods(Listed);

#[tonic::async_trait]
impl PodResourcesLister for Pods {
    async fn list(
        &self,
        _: Request<ListPodResourcesRequest>,
    ) -> Result<Response<ListPodResourcesResponse>, Status> {
        let devices = self
            .0
            .lock()
            .expect("listed devices")
            .iter()
            .map(|(resource, ids)| ContainerDevices {
                resource_name: resource.clone(),
                device_ids: ids.clone(),
            })
            .collect();
        Ok(Response::new(ListPodResourcesResponse {
            pod_resources: vec![PodResources {
                name: "tls-terminator-0".into(),
                namespace: "edge".into(),
                containers: vec![ContainerResources {
                    name: "terminator".into(),
                    devices,
                }],
            }],
        }))
    }
}

/// Serves the fake pod resources API on `socket`, listing what `listed` holds when asked; the
/// sender stops it.
fn serve_listed(
    socket: &Path,
    listed: Listed,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
    Listed,
) {
    let listener = UnixListener::bind(socket).expect("pod resources socket");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(PodResourcesListerServer::new(Pods(listed.clone())))
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), async {
                let _ = stopped.await;
            }),
    );
    (stop, task, listed)
}

/// A plugin under test with its fake kubelet.
struct Running {
    kubelet: FakeKubelet,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), qsal_k8s::PluginError>>,
    plugin_dir: PathBuf,
}

impl Running {
    /// Starts a fake kubelet in `<dir>/plugins` and the plugin on `runtime_path`, rescanning every
    /// `rescan` and asking `pod_resources` (if any); returns once both resources are registered.
    async fn start(
        dir: &Path,
        runtime_path: &Path,
        rescan: Duration,
        pod_resources: Option<PathBuf>,
    ) -> Self {
        let plugin_dir = dir.join("plugins");
        std::fs::create_dir(&plugin_dir).expect("plugin dir");
        let mut kubelet = FakeKubelet::start(&plugin_dir);
        let options = Options {
            runtime_dir: runtime_path.to_path_buf(),
            plugin_dir: plugin_dir.clone(),
            resource_prefix: "qat.intel.com".into(),
            container_runtime_dir: PathBuf::from("/run/qsal"),
            dev_root: dir.join("dev"),
            rescan,
            pod_resources_socket: pod_resources,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(qsal_k8s::run(options, async {
            let _ = stopped.await;
        }));
        kubelet.registered(2).await;
        Self {
            kubelet,
            stop,
            task,
            plugin_dir,
        }
    }

    /// A client of resource cy1_dc0 and its `ListAndWatch` stream.
    async fn watch_cy(
        &self,
    ) -> (
        DevicePluginClient<tonic::transport::Channel>,
        Streaming<ListAndWatchResponse>,
    ) {
        let mut cy = client(self.plugin_dir.join("qsal-cy1_dc0.sock")).await;
        let devices = cy
            .list_and_watch(api::Empty {})
            .await
            .expect("watch")
            .into_inner();
        (cy, devices)
    }

    /// Stops the plugin (which must stop cleanly) and the kubelet, and removes the plugin
    /// directory.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("plugin task")
            .expect("the plugin stops cleanly");
        let _ = self.kubelet.stop.send(());
        let _ = self.kubelet.task.await;
        std::fs::remove_dir_all(&self.plugin_dir).expect("remove plugin dir");
    }
}

/// Starts the plugin on `runtime_path`, asking `pod_resources` (if any), and returns the first
/// `ListAndWatch` list of cy1_dc0 that holds every id of `CY` — the one the kubelet acts on —
/// after stopping it again.
async fn first_list(
    dir: &Path,
    runtime_path: &Path,
    pod_resources: Option<PathBuf>,
) -> BTreeMap<String, String> {
    let running = Running::start(dir, runtime_path, Duration::from_secs(60), pod_resources).await;
    let (_cy, mut devices) = running.watch_cy().await;
    let first = until(&mut devices, "the first list", |h| h.len() == CY.len()).await;
    running.stop().await;
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_started_after_allocations_learns_them_from_the_kubelet() {
    let dir = qsal_tests::TempDir::new("k8s-restart");
    let runtime_path = dir.0.join("run");
    let runtime = RuntimeDir::at(runtime_path.clone());
    qsal_tests::up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );
    // Before the plugin starts: a container holds the slot the kubelet gave it (SSL_dev1_1), and
    // a process outside Kubernetes holds another (SSL_dev0_0).
    let container = pinned(&runtime, "SSL_DEV1_INT_1");
    container.start(b"SSL").expect("the container's start");
    let outside = linux_sal(&runtime);
    assert_eq!(
        outside.start(b"SSL").expect("outside").section.as_str(),
        "SSL_DEV0_INT_0"
    );

    // The kubelet lists the container's slot under this plugin's resource, and — under another
    // vendor's resource name — the outsider's id, which must not count.
    let socket = dir.0.join("pod-resources.sock");
    let (stop_pods, pods, _) = serve_listed(
        &socket,
        Arc::new(Mutex::new(vec![
            ("qat.intel.com/cy1_dc0".into(), vec!["SSL_dev1_1".into()]),
            ("example.com/gpu".into(), vec!["SSL_dev0_0".into()]),
        ])),
    );
    let mut expected = all(&CY, "Healthy");
    expected.insert("SSL_dev0_0".into(), "Unhealthy".into());
    let first = first_list(&dir.0, &runtime_path, Some(socket.clone())).await;
    assert_eq!(
        first, expected,
        "the container's slot is healthy from the first list on; the outsider's is not"
    );
    let _ = stop_pods.send(());
    pods.await.expect("pods task").expect("pods server");

    // Without an answer from the kubelet (the socket is gone) the plugin still serves, and the
    // container's slot counts as held outside Kubernetes — what the list above prevents.
    expected.insert("SSL_dev1_1".into(), "Unhealthy".into());
    let unanswered = first_list(&dir.0, &runtime_path, Some(socket)).await;
    assert_eq!(unanswered, expected);

    // A kubelet that takes the connection and never answers holds the plugin up only for its
    // answer time (registration and the first list still come within the test's 10 s waits).
    let silent = dir.0.join("silent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&silent).expect("silent socket");
    let unanswered = first_list(&dir.0, &runtime_path, Some(silent)).await;
    assert_eq!(unanswered, expected);

    outside.stop().expect("stop outside");
    container.stop().expect("stop container");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_ends_when_the_kubelet_stops_listing_it() {
    let dir = qsal_tests::TempDir::new("k8s-ended");
    let runtime_path = dir.0.join("run");
    let runtime = RuntimeDir::at(runtime_path.clone());
    qsal_tests::up(
        &runtime,
        &[(DeviceType::C6xx, CONFIG), (DeviceType::C6xx, CONFIG)],
    );
    let socket = dir.0.join("pod-resources.sock");
    let (stop_pods, pods, listed) = serve_listed(
        &socket,
        Arc::new(Mutex::new(vec![(
            "qat.intel.com/cy1_dc0".into(),
            vec!["SSL_dev1_1".into()],
        )])),
    );
    let container = pinned(&runtime, "SSL_DEV1_INT_1");
    container.start(b"SSL").expect("the container's start");
    // The kubelet is asked at every rescan: a short one, so the test sees it within 10 s.
    let running = Running::start(
        &dir.0,
        &runtime_path,
        Duration::from_millis(200),
        Some(socket),
    )
    .await;
    let (mut cy, mut devices) = running.watch_cy().await;
    until(&mut devices, "the container's slot healthy", |h| {
        *h == all(&CY, "Healthy")
    })
    .await;

    // A new allocation the kubelet has not listed yet (it records one after the plugin answers):
    // its holder is expected all the same, for a grace period.
    cy.allocate(api::AllocateRequest {
        container_requests: vec![api::ContainerAllocateRequest {
            devices_ids: vec!["SSL_dev0_1".into()],
        }],
    })
    .await
    .expect("allocate");
    let new_pod = pinned(&runtime, "SSL_DEV0_INT_1");
    new_pod.start(b"SSL").expect("the new pod's start");

    // The first pod ends: its process lets go and the kubelet stops listing the slot. A process
    // started by hand then takes that very slot: it is held outside Kubernetes now.
    container.stop().expect("the container stops");
    listed.lock().expect("listed devices").clear();
    let by_hand = pinned(&runtime, "SSL_DEV1_INT_1");
    by_hand.start(b"SSL").expect("a start by hand");
    let mut expected = all(&CY, "Healthy");
    expected.insert("SSL_dev1_1".into(), "Unhealthy".into());
    until(
        &mut devices,
        "the ended pod's slot held by hand unhealthy, the new pod's healthy",
        |h| *h == expected,
    )
    .await;

    by_hand.stop().expect("release");
    new_pod.stop().expect("release the new pod's slot");
    running.stop().await;
    let _ = stop_pods.send(());
    pods.await.expect("pods task").expect("pods server");
}
