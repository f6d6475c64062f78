//! Every numeric limit of the configuration language in one place.
//!
//! The values come from Intel's driver (`adf_cfg_common.h`, `sal_user.c`, `lac_common.h`) and are
//! explained in `../shared/reference/qat-semantics.md`; capacities of qsal's own fixed tables are defaults that
//! callers can override through const generics.

/// Section names, keys and values must be strictly shorter than this many bytes (`ADF_CFG_MAX_STR_LEN`).
pub const MAX_STR_LEN: usize = 128;

/// A derived section name (`SSL_DEV0_INT_3`) must be at most this many bytes, because the user-space
/// library stores it in a 32-byte buffer (`ADF_CFG_MAX_PROCESS_LEN`).
pub const MAX_DERIVED_NAME_LEN: usize = 31;

/// The largest `NumberCyInstances` / `NumberDcInstances` the service access layer accepts
/// (`SAL_MAX_NUM_INSTANCES_PER_DEV`).
pub const MAX_INSTANCES: u32 = 512;

/// The most CPU cores a single `CoreAffinity` list may name (after expanding ranges).
pub const MAX_CORES_IN_LIST: u32 = 4096;

/// The highest CPU core number accepted in a `CoreAffinity` list.
pub const MAX_CORE_NUMBER: u32 = 65_535;

/// How many times one process may call start without stop (`START_REF_COUNT_MAX`).
pub const MAX_START_REF_COUNT: u32 = 64;

/// Default capacity of the section table of a parsed [`Config`](crate::Config).
pub const DEFAULT_SECTIONS: usize = 64;

/// Default capacity of the key table of a parsed [`Config`](crate::Config).
pub const DEFAULT_ENTRIES: usize = 1024;

/// The largest input the parser accepts, so that every offset fits in a `u32`.
pub const MAX_INPUT_LEN: usize = u32::MAX as usize;
