#!/usr/bin/env bash
# Code size of the bare-metal firmware for TARGET (default thumbv7em-none-eabihf; also
# riscv32imac-unknown-none-elf), built from the sources as they are now (cargo makes that a no-op
# when it is current): ELF sections (`size -A`) and .text/.rodata and statics per crate, attributed
# by symbol name (`nm -S -C`). With LTO, code inlined into a caller counts for the caller's crate,
# so the per-crate figures are a lower bound for qsal-core.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-thumbv7em-none-eabihf}
firmware=target/$target/release/qsal-bare-metal
cargo build --quiet --release --target "$target"
echo "firmware for $target"
size -A "$firmware" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit|\.stack|\.heap)'
nm -S -C "$firmware" | python3 -c '
import sys, collections
flash, ram = collections.Counter(), collections.Counter()
def crate(name):
    for key, label in (("qsal_core", "qsal-core"), ("qsal_backend_appliance", "qsal-backend-appliance"),
                       ("qsal_bare_metal", "firmware (example)"), ("heapless", "heapless/spin/lock_api"),
                       ("spin::", "heapless/spin/lock_api"), ("lock_api", "heapless/spin/lock_api"),
                       ("memchr", "memchr"), ("defmt", "defmt"),
                       ("cortex_m", "chip runtime + semihosting"), ("riscv", "chip runtime + semihosting"),
                       ("semihosting", "chip runtime + semihosting")):
        if key in name:
            return label
    return "libcore (fmt, slices) + compiler_builtins"
for line in sys.stdin:
    parts = line.split(None, 3)
    if len(parts) < 4:
        continue
    size, kind, name = int(parts[1], 16), parts[2], parts[3].strip()
    (flash if kind in "tTrR" else ram if kind in "dDbB" else collections.Counter())[crate(name)] += size
print("\n.text + .rodata by crate (symbols):")
for label, size in flash.most_common():
    print(f"  {label:45} {size:7} B")
print("\n.data + .bss by crate (statics):")
for label, size in ram.most_common():
    print(f"  {label:45} {size:7} B")
'
