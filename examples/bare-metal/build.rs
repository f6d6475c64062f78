//! Puts the target's memory layout where the runtime's linker script finds it, and expands the
//! embedded configuration for the board's two devices with the core itself (on the host), so the
//! firmware carries the expanded text as `&'static str` — what the appliance backend takes.

use std::path::PathBuf;

use qsal_core::Config;
use qsal_core::DeviceType;
use qsal_core::diag::Counter;
use qsal_core::expand::{ConfWriter, expand};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let target = std::env::var("TARGET").unwrap_or_default();
    let layout = if target.starts_with("riscv") {
        "memory-riscv.x"
    } else {
        "memory.x"
    };
    std::fs::copy(layout, out.join("memory.x")).expect("copy the memory layout");
    println!("cargo:rustc-link-search={}", out.display());

    let text = std::fs::read("appliance.conf").expect("appliance.conf");
    let mut counter = Counter::default();
    let config: Config<'_> = Config::parse(&text, &mut counter);
    assert_eq!(
        counter.errors, 0,
        "appliance.conf has errors: run `qsal check` on it"
    );
    for accel_id in 0..2u32 {
        let mut expanded = String::new();
        expand(
            &config,
            DeviceType::C6xx,
            accel_id,
            &mut ConfWriter::new(&mut expanded),
        )
        .expect("appliance.conf expands");
        std::fs::write(out.join(format!("dev{accel_id}.conf")), expanded).expect("write");
    }
    for changed in ["memory.x", "memory-riscv.x", "appliance.conf", "build.rs"] {
        println!("cargo:rerun-if-changed={changed}");
    }
}
