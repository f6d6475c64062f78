//! [`SlotPlugin`]: the kubelet's `DevicePlugin` service for one resource (`cy<N>_dc<M>`).

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::Options;
use crate::allocation::{container_response, preferred};
use crate::api;
use crate::api::device_plugin_server::DevicePlugin;
use crate::health::devices;
use crate::inventory_watch::InventoryWatch;

/// What this plugin supports: preferred allocations, no pre-start hook.
pub fn plugin_options() -> api::DevicePluginOptions {
    api::DevicePluginOptions {
        pre_start_required: false,
        get_preferred_allocation_available: true,
    }
}

/// The service of one resource.
#[derive(Clone, Debug)]
pub struct SlotPlugin {
    resource: String,
    options: Arc<Options>,
    watch: Arc<InventoryWatch>,
}

impl SlotPlugin {
    /// The service of resource `resource` (short name).
    pub fn new(resource: String, options: Arc<Options>, watch: Arc<InventoryWatch>) -> Self {
        Self {
            resource,
            options,
            watch,
        }
    }
}

type DeviceStream = Pin<Box<dyn Stream<Item = Result<api::ListAndWatchResponse, Status>> + Send>>;

#[tonic::async_trait]
impl DevicePlugin for SlotPlugin {
    async fn get_device_plugin_options(
        &self,
        _: Request<api::Empty>,
    ) -> Result<Response<api::DevicePluginOptions>, Status> {
        Ok(Response::new(plugin_options()))
    }

    type ListAndWatchStream = DeviceStream;

    /// The device list now, then again whenever it changes (never the same list twice in a row).
    async fn list_and_watch(
        &self,
        _: Request<api::Empty>,
    ) -> Result<Response<Self::ListAndWatchStream>, Status> {
        let (sender, receiver) = mpsc::channel(4);
        let mut snapshots = self.watch.subscribe();
        let resource = self.resource.clone();
        tokio::spawn(async move {
            let mut known = BTreeSet::new();
            let mut last: Option<Vec<api::Device>> = None;
            loop {
                let snapshot = snapshots.borrow_and_update().clone();
                let list = devices(&resource, &snapshot, &mut known);
                if last.as_ref() != Some(&list) {
                    let response = api::ListAndWatchResponse {
                        devices: list.clone(),
                    };
                    if sender.send(Ok(response)).await.is_err() {
                        return; // the kubelet went away
                    }
                    last = Some(list);
                }
                if snapshots.changed().await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn get_preferred_allocation(
        &self,
        request: Request<api::PreferredAllocationRequest>,
    ) -> Result<Response<api::PreferredAllocationResponse>, Status> {
        let snapshot = self.watch.current();
        let container_responses = request
            .into_inner()
            .container_requests
            .iter()
            .map(|r| api::ContainerPreferredAllocationResponse {
                device_i_ds: preferred(
                    &snapshot,
                    &r.available_device_i_ds,
                    &r.must_include_device_i_ds,
                    usize::try_from(r.allocation_size).unwrap_or(0),
                ),
            })
            .collect();
        Ok(Response::new(api::PreferredAllocationResponse {
            container_responses,
        }))
    }

    async fn allocate(
        &self,
        request: Request<api::AllocateRequest>,
    ) -> Result<Response<api::AllocateResponse>, Status> {
        let snapshot = self.watch.current();
        let mut container_responses = Vec::new();
        for container in &request.get_ref().container_requests {
            let response = container_response(&self.options, &snapshot, &container.devices_ids)
                .map_err(|e| Status::invalid_argument(e.to_string()))?;
            container_responses.push(response);
        }
        for container in &request.get_ref().container_requests {
            self.watch.allocate(&container.devices_ids);
        }
        eprintln!(
            "qsal-k8s: allocated {:?}",
            request
                .get_ref()
                .container_requests
                .iter()
                .map(|c| c.devices_ids.join(","))
                .collect::<Vec<_>>()
        );
        Ok(Response::new(api::AllocateResponse {
            container_responses,
        }))
    }

    async fn pre_start_container(
        &self,
        _: Request<api::PreStartContainerRequest>,
    ) -> Result<Response<api::PreStartContainerResponse>, Status> {
        Ok(Response::new(api::PreStartContainerResponse {}))
    }
}
