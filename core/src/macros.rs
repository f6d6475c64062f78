//! Logging shim: [`qsal_log!`](crate::qsal_log)`(level, …)` goes to `defmt` with the `defmt`
//! feature, to `log` with the `log` feature, and nowhere otherwise (the arguments are still
//! evaluated by reference, so nothing is unused). Format strings use only `{}`, which both accept;
//! arguments are integers and `&str`, which both can format.
//!
//! The feature is decided here, where the macros are defined, so crates that use them (the mock
//! backend) follow qsal-core's features; such a crate also needs its own `defmt` dependency when the
//! feature is on, as defmt's macros name `::defmt`.

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!("the `defmt` and `log` features of qsal-core are mutually exclusive: enable one");

#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "defmt")]
    pub use defmt;
    #[cfg(feature = "log")]
    pub use log;
}

/// Logs one event: `qsal_log!(info, "pid {} started {}", pid, name)`. The level is one of
/// `trace`, `debug`, `info`, `warn`, `error`; the sink is `defmt`.
#[cfg(feature = "defmt")]
#[macro_export]
macro_rules! qsal_log {
    ($level:ident, $($t:tt)*) => { ::defmt::$level!($($t)*) };
}

/// Logs one event: `qsal_log!(info, "pid {} started {}", pid, name)`. The level is one of
/// `trace`, `debug`, `info`, `warn`, `error`; the sink is `log`.
#[cfg(all(feature = "log", not(feature = "defmt")))]
#[macro_export]
macro_rules! qsal_log {
    ($level:ident, $($t:tt)*) => { $crate::macros::__private::log::$level!($($t)*) };
}

/// Logs nothing (neither `defmt` nor `log` is enabled); the arguments are evaluated by reference.
#[cfg(not(any(feature = "defmt", feature = "log")))]
#[macro_export]
macro_rules! qsal_log {
    ($level:ident, $fmt:literal $(, $arg:expr)* $(,)?) => {{ $( let _ = &$arg; )* }};
}
