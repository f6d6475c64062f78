//! inotify on the runtime directory and the kubelet's plugin directory.
//!
//! * Runtime directory, its `devices/` and `leases/`: any creation, removal, rename or write pokes
//!   the [`InventoryWatch`]. `qsal up`/`down` rename and remove device files; a process taking a
//!   slot opens its lease file for writing and writes its holder record; a holder that stops or
//!   dies closes it (`IN_CLOSE_WRITE`, also when the kernel closes it for a killed process).
//!   Reading a lease to learn its holder opens it read-only, which is not watched, so the plugin's
//!   own reads do not wake it.
//! * Plugin directory: `kubelet.sock` created (or renamed into place) means the kubelet restarted
//!   and removed every plugin socket: the plugin serves and registers again.
//!
//! Directories replaced as a whole (a new device set) get new watches: the watch list is renewed
//! after every batch of events and every second.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use inotify::{Inotify, WatchDescriptor, WatchMask};
use tokio::sync::Notify;
use tokio_stream::StreamExt as _;

use crate::Options;
use crate::api;
use crate::inventory_watch::InventoryWatch;

/// What the runtime directory's watches report.
fn runtime_mask() -> WatchMask {
    WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MOVED_FROM
        | WatchMask::MOVED_TO
        | WatchMask::MODIFY
        | WatchMask::CLOSE_WRITE
        | WatchMask::ATTRIB
        | WatchMask::DELETE_SELF
        | WatchMask::MOVE_SELF
}

/// Watches until the task is dropped: pokes `inventory` on runtime-directory changes and notifies
/// `kubelet` when the kubelet's socket appears.
pub async fn watch(
    options: Arc<Options>,
    inventory: Arc<InventoryWatch>,
    kubelet: Arc<Notify>,
) -> std::io::Result<()> {
    let inotify = Inotify::init()?;
    let stream = inotify.into_event_stream([0u8; 4096])?;
    let mut watches = stream.watches();
    let runtime: Vec<PathBuf> = vec![
        options.runtime_dir.clone(),
        options.runtime_dir.join("devices"),
        options.runtime_dir.join("leases"),
    ];
    let mut plugin: Option<WatchDescriptor> = None;
    let renew = |watches: &mut inotify::Watches, plugin: &mut Option<WatchDescriptor>| {
        // A missing directory is not an error: it is watched once it exists.
        for path in &runtime {
            let _ = watches.add(path, runtime_mask());
        }
        if let Ok(wd) = watches.add(&options.plugin_dir, WatchMask::CREATE | WatchMask::MOVED_TO) {
            *plugin = Some(wd);
        }
    };
    renew(&mut watches, &mut plugin);
    let mut stream = stream;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            event = stream.next() => {
                let Some(event) = event else { return Ok(()) };
                let event = event?;
                let kubelet_socket = event.name.as_deref() == Some(std::ffi::OsStr::new(api::KUBELET_SOCKET));
                if plugin.as_ref() == Some(&event.wd) {
                    if kubelet_socket {
                        kubelet.notify_one();
                    }
                } else {
                    inventory.poke();
                }
                renew(&mut watches, &mut plugin);
            }
            _ = tick.tick() => renew(&mut watches, &mut plugin),
        }
    }
}
