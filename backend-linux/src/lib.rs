//! qsal-backend-linux: the platform layer for Linux processes.
//!
//! Owns the runtime directory, crash-safe cross-process leases (`flock`), discovery of real QAT
//! devices through sysfs, and emulated devices whose rings live in shared memory.
