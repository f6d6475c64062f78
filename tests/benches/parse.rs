//! Parse throughput over the whole corpus: qsal-core against the `rust-ini` crate on the same bytes,
//! and the bound: a plain `memchr` line split of the same bytes.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use qsal_core::Config;
use qsal_core::diag::Counter;
use qsal_core::validate::{Context, validate};

fn corpus() -> Vec<Vec<u8>> {
    qsal_tests::corpus_files()
        .iter()
        .map(|p| std::fs::read(p).expect("read corpus file"))
        .collect()
}

fn parse(c: &mut Criterion) {
    let files = corpus();
    let texts: Vec<String> = files
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    let bytes: u64 = files.iter().map(|f| f.len() as u64).sum();
    let mut group = c.benchmark_group("parse_corpus");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("qsal", |b| {
        b.iter(|| {
            let mut sections = 0;
            for file in &files {
                let mut counter = Counter::default();
                let config: Config<'_> = Config::parse(std::hint::black_box(file), &mut counter);
                sections += config.section_count();
            }
            sections
        });
    });
    group.bench_function("qsal_parse_and_validate", |b| {
        b.iter(|| {
            let mut errors = 0;
            for file in &files {
                let mut counter = Counter::default();
                let config: Config<'_> = Config::parse(std::hint::black_box(file), &mut counter);
                validate(&config, &Context::default(), &mut counter);
                errors += counter.errors;
            }
            errors
        });
    });
    group.bench_function("qsal_small_tables", |b| {
        b.iter(|| {
            let mut sections = 0;
            for file in &files {
                let mut counter = Counter::default();
                let config: Config<'_, 16, 512> =
                    Config::parse(std::hint::black_box(file), &mut counter);
                sections += config.section_count();
            }
            sections
        });
    });
    // The bound: only finding the lines of the same bytes (no grammar, no tables, no checks).
    group.bench_function("memchr_lines_bound", |b| {
        b.iter(|| {
            let mut lines = 0usize;
            for file in &files {
                lines += memchr::memchr_iter(b'\n', std::hint::black_box(file)).count();
            }
            lines
        });
    });
    group.bench_function("rust-ini", |b| {
        b.iter(|| {
            let mut sections = 0;
            for text in &texts {
                if let Ok(ini) = ini::Ini::load_from_str(std::hint::black_box(text)) {
                    sections += ini.len();
                }
            }
            sections
        });
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
