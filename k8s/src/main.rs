//! `qsal-k8s`: the Kubernetes device plugin for qsal slots (see the library's documentation and the
//! README section "Running on Kubernetes").

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qsal_backend_linux::RuntimeDir;
use qsal_k8s::{Options, run};

/// Advertises the slots of qsal's runtime directory to the kubelet as extended resources.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Registers one resource per distinct cy<N>_dc<M> of the user sections \
(NumberCyInstances, NumberDcInstances) as <prefix>/cy<N>_dc<M>, one device per slot with id \
<section>_dev<accel id>_<i>, each resource served on <plugin-dir>/qsal-cy<N>_dc<M>.sock. A slot is \
Unhealthy while its device is gone or down or a process the kubelet did not allocate it to holds \
it. A container is given QAT_SECTION_NAME, QAT_SECTION_NAME_cy<N>_dc<M>_<k>, QSAL_SLOT (the slot \
it must take; libqsal and `qsal hold` take exactly that one), QSAL_RUNTIME_DIR and a mount of the \
runtime directory, and the device nodes of real devices. Which slots the kubelet has allocated is \
also read from its pod resources API, when the plugin starts and at every rescan. Changes are seen \
through inotify; when the kubelet restarts, the plugin serves and registers again."
)]
struct Args {
    /// qsal's runtime directory (default: $QSAL_RUNTIME_DIR, else /run/qsal for root, else $XDG_RUNTIME_DIR/qsal).
    #[arg(long, value_name = "DIR")]
    runtime_dir: Option<PathBuf>,
    /// The kubelet's device plugin directory.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "/var/lib/kubelet/device-plugins"
    )]
    plugin_dir: PathBuf,
    /// The prefix of the resource names (Intel's plugin uses qat.intel.com).
    #[arg(long, value_name = "PREFIX", default_value = "qat.intel.com")]
    resource_prefix: String,
    /// Where containers find the runtime directory (default: the same path as on the host).
    #[arg(long, value_name = "DIR")]
    container_runtime_dir: Option<PathBuf>,
    /// Where the host's device nodes are.
    #[arg(long, value_name = "DIR", default_value = "/dev")]
    dev_root: PathBuf,
    /// The longest time between two reads of the runtime directory when inotify reports nothing.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    rescan_ms: u64,
    /// The kubelet's pod resources socket, asked before registering and at every rescan which
    /// slots are allocated to containers (an empty value: do not ask).
    #[arg(long, value_name = "SOCKET", default_value = qsal_k8s::pod_resources::SOCKET)]
    pod_resources_socket: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match RuntimeDir::resolve(args.runtime_dir.as_deref()) {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("qsal-k8s: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.resource_prefix.contains('.') || args.resource_prefix.contains('/') {
        eprintln!(
            "qsal-k8s: --resource-prefix {} is not a domain name such as qat.intel.com or qsal.dev (the kubelet requires one for extended resources)",
            args.resource_prefix
        );
        return ExitCode::from(2);
    }
    let runtime_dir = runtime.root().to_path_buf();
    let options = Options {
        container_runtime_dir: args
            .container_runtime_dir
            .unwrap_or_else(|| runtime_dir.clone()),
        runtime_dir,
        plugin_dir: args.plugin_dir,
        resource_prefix: args.resource_prefix,
        dev_root: args.dev_root,
        rescan: Duration::from_millis(args.rescan_ms.max(100)),
        pod_resources_socket: Some(args.pod_resources_socket)
            .filter(|socket| !socket.as_os_str().is_empty()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("qsal-k8s: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "qsal-k8s: runtime directory {}, plugin directory {}",
        options.runtime_dir.display(),
        options.plugin_dir.display()
    );
    let result = runtime.block_on(run(options, async {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qsal-k8s: {e}");
            ExitCode::FAILURE
        }
    }
}
