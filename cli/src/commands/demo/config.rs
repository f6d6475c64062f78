//! The demo's embedded device configuration: two emulated c6xx devices with a pinned section.

/// The configuration of each device; `{processes}` is replaced by the slots per device.
const TEMPLATE: &str = "\
# qsal demo: one of two emulated c6xx devices.
[GENERAL]
ServicesEnabled = cy;dc
ConfigVersion = 2
CyNumConcurrentAsymRequests = 64
CyNumConcurrentSymRequests = 128
DcNumConcurrentRequests = 128

[KERNEL]
NumberCyInstances = 0
NumberDcInstances = 0

# Each demo worker holds one slot: one crypto and one compression instance on one device.
[SSL]
NumberCyInstances = 1
NumberDcInstances = 1
NumProcesses = {processes}
LimitDevAccess = 1
Cy0Name = \"demo-cy\"
Cy0IsPolled = 1
Cy0CoreAffinity = 0-1
Dc0Name = \"demo-dc\"
Dc0IsPolled = 1
Dc0CoreAffinity = 0-1
";

/// The section the workers start.
pub const SECTION: &str = "SSL";

/// The device configuration with `processes` slots per device.
pub fn device_config(processes: u32) -> String {
    TEMPLATE.replace("{processes}", &processes.to_string())
}
