//! Expansion of a dh895xcc configuration at the largest process count that fits the device, next to
//! the parse time of the same file.

use criterion::{Criterion, criterion_group, criterion_main};
use qsal_core::diag::Counter;
use qsal_core::expand::{ConfWriter, NullVisitor, expand};
use qsal_core::validate::check_capacity;
use qsal_core::{Config, DeviceType};

const DEVICE: DeviceType = DeviceType::Dh895xcc;

/// The QAT_Engine dh895xcc multi-process file with `NumProcesses` raised as far as the device allows.
fn largest_fitting() -> (String, u32) {
    let path = qsal_tests::corpus_file("qat_hw_config_dh895xcc_multi_process_dh895xcc_dev0.conf");
    let text = std::fs::read_to_string(path).expect("read corpus file");
    let fits = |n: u32| {
        let edited = text.replace("NumProcesses = 32", &format!("NumProcesses = {n}"));
        let config: Config<'_> = Config::parse(edited.as_bytes(), &mut Counter::default());
        let mut counter = Counter::default();
        check_capacity(&config, DEVICE, 0, &mut counter).is_some()
    };
    let largest = (1..=DEVICE.profile().max_processes())
        .rev()
        .find(|&n| fits(n))
        .expect("some process count fits");
    (
        text.replace("NumProcesses = 32", &format!("NumProcesses = {largest}")),
        largest,
    )
}

fn bench(c: &mut Criterion) {
    let (text, processes) = largest_fitting();
    eprintln!("dh895xcc expansion benchmark: NumProcesses = {processes}");
    let mut group = c.benchmark_group(format!("expand_dh895xcc_{processes}_processes"));
    group.bench_function("parse", |b| {
        b.iter(|| {
            let config: Config<'_> = Config::parse(
                std::hint::black_box(text.as_bytes()),
                &mut Counter::default(),
            );
            config.key_count()
        });
    });
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut Counter::default());
    group.bench_function("expand_walk", |b| {
        b.iter(|| {
            expand(std::hint::black_box(&config), DEVICE, 0, &mut NullVisitor).map(|s| s.instances)
        });
    });
    let mut out = String::with_capacity(1 << 20);
    group.bench_function("expand_to_text", |b| {
        b.iter(|| {
            out.clear();
            expand(
                std::hint::black_box(&config),
                DEVICE,
                0,
                &mut ConfWriter::new(&mut out),
            )
            .map(|s| s.instances)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
