//! [`InventoryWatch`]: the runtime directory's inventory as the plugin sees it — re-read whenever
//! something may have changed (inotify, an allocation, or the safety-net rescan), published to
//! every `ListAndWatch` stream through a tokio watch channel — and the slots the kubelet allocated.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::inventory::Inventory;
use tokio::sync::{Notify, watch};

use crate::Options;

/// What every stream sees at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The devices and slots (empty when the runtime directory has no device set).
    pub inventory: Inventory,
    /// Why the runtime directory could not be read, if it could not.
    pub error: Option<String>,
    /// Device ids the kubelet allocated to containers (a holder of one of these is expected).
    pub allocated: BTreeSet<String>,
}

/// The inventory, kept fresh.
#[derive(Debug)]
pub struct InventoryWatch {
    options: Options,
    sender: watch::Sender<Arc<Snapshot>>,
    allocated: Mutex<BTreeSet<String>>,
    changed: Notify,
}

impl InventoryWatch {
    /// A watch with an empty inventory; [`InventoryWatch::keep_fresh`] fills it.
    pub fn new(options: Options) -> Arc<Self> {
        Arc::new(Self {
            options,
            sender: watch::Sender::new(Arc::new(Snapshot::default())),
            allocated: Mutex::new(BTreeSet::new()),
            changed: Notify::new(),
        })
    }

    /// A receiver that sees every new snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.sender.subscribe()
    }

    /// The latest snapshot.
    pub fn current(&self) -> Arc<Snapshot> {
        self.sender.borrow().clone()
    }

    /// Something may have changed: read the runtime directory again soon.
    pub fn poke(&self) {
        self.changed.notify_one();
    }

    /// Records that the kubelet allocated `ids` (their holders are expected from now on).
    pub fn allocate(&self, ids: &[String]) {
        if let Ok(mut allocated) = self.allocated.lock() {
            allocated.extend(ids.iter().cloned());
        }
        self.poke();
    }

    /// Reads the runtime directory now and publishes the result if it differs from the last one.
    pub async fn refresh(&self) {
        let runtime = RuntimeDir::at(self.options.runtime_dir.clone());
        let dev_root = self.options.dev_root.clone();
        let read = tokio::task::spawn_blocking(move || Inventory::read(&runtime, &dev_root)).await;
        let (inventory, error) = match read {
            Ok(Ok(inventory)) => (inventory, None),
            Ok(Err(e)) => (Inventory::default(), Some(e.to_string())),
            Err(e) => (
                Inventory::default(),
                Some(format!("the reader failed: {e}")),
            ),
        };
        let allocated = self.allocated.lock().map(|a| a.clone()).unwrap_or_default();
        let next = Snapshot {
            inventory,
            error,
            allocated,
        };
        self.sender.send_if_modified(|current| {
            if **current == next {
                return false;
            }
            if next.error != current.error
                && let Some(e) = &next.error
            {
                eprintln!("qsal-k8s: {e}; every slot is reported Unhealthy until it can be read");
            }
            *current = Arc::new(next);
            true
        });
    }

    /// Re-reads the runtime directory whenever [`InventoryWatch::poke`] is called, and at least
    /// every `rescan` (the safety net for what inotify cannot see). Runs until dropped.
    pub async fn keep_fresh(self: Arc<Self>) {
        loop {
            self.refresh().await;
            tokio::select! {
                () = self.changed.notified() => {}
                () = tokio::time::sleep(self.options.rescan) => {}
            }
        }
    }
}
