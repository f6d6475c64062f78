#!/usr/bin/env bash
# Builds the bare-metal firmware for thumbv7em-none-eabihf and runs it under QEMU (mps2-an386,
# Cortex-M4) with a timeout. Exit status: the firmware's (0 only when every check passed); 124 when
# QEMU timed out. Installs nothing: .ci/run does (rustup target, apt qemu-system-arm).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v qemu-system-arm >/dev/null; then
    echo "run.sh: qemu-system-arm is not installed (apt-get install -y qemu-system-arm)" >&2
    exit 127
fi
cargo build --release
firmware=target/thumbv7em-none-eabihf/release/qsal-bare-metal
timeout "${QSAL_QEMU_TIMEOUT:-60}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$firmware"
