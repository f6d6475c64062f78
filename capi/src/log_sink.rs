//! The `log` sink of libqsal: one line per event on stderr, `qsal[<pid>]: <message>`, at the level
//! `QSAL_LOG` names (`off`, `error` — the default —, `info`, `debug`). It is installed on the first
//! call into the library, unless the program installed a `log` logger of its own (a Rust program
//! linking the rlib), which then receives qsal's events instead.

use std::io::Write as _;
use std::sync::Once;

use log::{LevelFilter, Log, Metadata, Record};

/// The level `QSAL_LOG` asks for.
pub fn level_from(value: Option<&str>) -> LevelFilter {
    match value {
        Some("off") => LevelFilter::Off,
        Some("info") => LevelFilter::Info,
        Some("debug") => LevelFilter::Debug,
        _ => LevelFilter::Error,
    }
}

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut err = std::io::stderr().lock();
            // Nothing can be done about a closed stderr.
            let _ = writeln!(err, "qsal[{}]: {}", std::process::id(), record.args());
        }
    }

    fn flush(&self) {}
}

static SINK: Stderr = Stderr;

/// Installs the sink (once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if log::set_logger(&SINK).is_ok() {
            log::set_max_level(level_from(std::env::var("QSAL_LOG").ok().as_deref()));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qsal_log_values_map_to_levels_with_error_as_the_default() {
        assert_eq!(level_from(Some("off")), LevelFilter::Off);
        assert_eq!(level_from(Some("info")), LevelFilter::Info);
        assert_eq!(level_from(Some("debug")), LevelFilter::Debug);
        assert_eq!(level_from(Some("error")), LevelFilter::Error);
        assert_eq!(level_from(Some("loud")), LevelFilter::Error);
        assert_eq!(level_from(None), LevelFilter::Error);
    }
}
