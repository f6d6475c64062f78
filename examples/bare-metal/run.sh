#!/usr/bin/env bash
# Builds the bare-metal firmware for TARGET and runs it under the matching QEMU, decoding its defmt
# output with defmt-print. Usage: run.sh [TARGET], TARGET one of
#   thumbv7em-none-eabihf        (default) Cortex-M4 on qemu-system-arm -machine mps2-an386
#   riscv32imac-unknown-none-elf RV32IMAC on qemu-system-riscv32 -machine virt
# Exit status: the firmware's (0 only when every check passed and the decoded log says so); 124 when
# QEMU timed out; 127 when a tool is missing. Installs nothing: .ci/run does (rustup targets, apt
# qemu-system-arm/qemu-system-misc, cargo install defmt-print).
set -euo pipefail
cd "$(dirname "$0")"

target=${1:-thumbv7em-none-eabihf}
case "$target" in
    thumbv7em-none-eabihf)
        qemu=(qemu-system-arm -cpu cortex-m4 -machine mps2-an386) ;;
    riscv32imac-unknown-none-elf)
        qemu=(qemu-system-riscv32 -machine virt -bios none) ;;
    *)
        echo "run.sh: unknown target '$target' (thumbv7em-none-eabihf or riscv32imac-unknown-none-elf)" >&2
        exit 2 ;;
esac
for tool in "${qemu[0]}" defmt-print; do
    if ! command -v "$tool" >/dev/null; then
        echo "run.sh: $tool is not installed (.ci/run installs it: apt qemu-system-arm or qemu-system-misc, cargo install defmt-print)" >&2
        exit 127
    fi
done

cargo build --release --target "$target"
firmware=target/$target/release/qsal-bare-metal
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
timeout "${QSAL_QEMU_TIMEOUT:-60}" "${qemu[@]}" -nographic \
    -semihosting-config enable=on,target=native -kernel "$firmware" \
    | defmt-print -e "$firmware" | tee "$log"
statuses=("${PIPESTATUS[@]}")
set -e
firmware_status=${statuses[0]}
if [ "${statuses[1]}" != 0 ]; then
    echo "run.sh: defmt-print failed (status ${statuses[1]}): the log could not be decoded" >&2
    exit 1
fi
# The firmware's exit status and its decoded verdict must agree.
if [ "$firmware_status" = 0 ] && ! grep -qE 'checks passed, 0 failed: SUCCESS' "$log"; then
    echo "run.sh: the firmware exited 0 but its decoded log has no success line" >&2
    exit 1
fi
exit "$firmware_status"
