//! [`InventoryWatch`]: the runtime directory's inventory as the plugin sees it — re-read whenever
//! something may have changed (inotify, an allocation, or the safety-net rescan), published to
//! every `ListAndWatch` stream through a tokio watch channel — and the slots the kubelet allocated:
//! each id given out by `Allocate`, reconciled with the kubelet's own list (its pod resources API)
//! when the plugin starts and at every safety-net rescan, so allocations made before the plugin
//! started count and those of pods that ended stop counting.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qsal_backend_linux::RuntimeDir;
use qsal_backend_linux::inventory::Inventory;
use tokio::sync::{Notify, watch};

use crate::{Options, pod_resources};

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
    /// Each allocated id: `Some(when)` `Allocate` gave it out while the kubelet has not listed it
    /// since, `None` once the kubelet lists it.
    allocated: Mutex<BTreeMap<String, Option<Instant>>>,
    /// Whether the kubelet's pod resources API answered the last time it was asked (`None`:
    /// never asked), so a change is said once rather than at every rescan.
    kubelet_answered: Mutex<Option<bool>>,
    changed: Notify,
}

/// How long an id given out by `Allocate` counts as allocated without the kubelet listing it: the
/// kubelet records an allocation after the plugin answers, so a list asked for at that moment may
/// not hold it yet.
const LISTING_GRACE: Duration = Duration::from_secs(30);

impl InventoryWatch {
    /// A watch with an empty inventory; [`InventoryWatch::keep_fresh`] fills it and
    /// [`InventoryWatch::keep_allocations_current`] keeps its allocations current.
    pub fn new(options: Options) -> Arc<Self> {
        Arc::new(Self {
            options,
            sender: watch::Sender::new(Arc::new(Snapshot::default())),
            allocated: Mutex::new(BTreeMap::new()),
            kubelet_answered: Mutex::new(None),
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
        let now = Instant::now();
        if let Ok(mut allocated) = self.allocated.lock() {
            allocated.extend(ids.iter().map(|id| (id.clone(), Some(now))));
        }
        self.poke();
    }

    /// Reconciles the allocated ids with the kubelet's list (when a pod resources socket is
    /// configured): an id it lists is allocated; one it does not list stays allocated only if
    /// `Allocate` gave it out less than `LISTING_GRACE` ago and the kubelet never listed it
    /// since (a listed id that drops out of the list belonged to a pod that ended). A changed set
    /// is published by the refresh it pokes. Says when the kubelet stops or starts answering, and
    /// what that means; without an answer the ids are left as they are.
    pub async fn ask_kubelet(&self) {
        let Some(socket) = &self.options.pod_resources_socket else {
            return;
        };
        let asked = Instant::now();
        let answer = pod_resources::allocated_ids(socket, &self.options.resource_prefix).await;
        let answered = answer.is_ok();
        let before = self
            .kubelet_answered
            .lock()
            .map(|mut last| last.replace(answered))
            .unwrap_or_default();
        match answer {
            Ok(listed) => {
                if let Ok(mut allocated) = self.allocated.lock() {
                    let held = allocated.len();
                    allocated.retain(|id, given| {
                        listed.contains(id)
                            || given.is_some_and(|at| {
                                asked.saturating_duration_since(at) < LISTING_GRACE
                            })
                    });
                    let mut changed = allocated.len() != held;
                    for id in listed {
                        changed |= allocated.insert(id, None).is_none();
                    }
                    if changed {
                        self.poke();
                    }
                    if before.is_none() && !allocated.is_empty() {
                        let ids: Vec<&str> = allocated.keys().map(String::as_str).collect();
                        eprintln!(
                            "qsal-k8s: the kubelet lists {} slot(s) of this plugin's resources as allocated: {}",
                            ids.len(),
                            ids.join(", ")
                        );
                    }
                }
                if before == Some(false) {
                    eprintln!("qsal-k8s: the kubelet's pod resources API answers again");
                }
            }
            Err(e) if before != Some(false) => eprintln!(
                "qsal-k8s: {e}; slots held by containers the plugin did not see allocated (before it started) count as held outside Kubernetes (Unhealthy), and those of ended pods stay expected, until it answers"
            ),
            Err(_) => {}
        }
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
        let allocated = self
            .allocated
            .lock()
            .map(|a| a.keys().cloned().collect())
            .unwrap_or_default();
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

    /// Asks the kubelet which slots are allocated ([`InventoryWatch::ask_kubelet`]) every
    /// `rescan`, apart from [`InventoryWatch::keep_fresh`] so that a kubelet slow to answer never
    /// delays an update. Runs until dropped.
    pub async fn keep_allocations_current(self: Arc<Self>) {
        loop {
            tokio::time::sleep(self.options.rescan).await;
            self.ask_kubelet().await;
        }
    }
}
