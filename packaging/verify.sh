#!/usr/bin/env bash
# Checks the packaging files the way systemd reads them: the unit with `systemd-analyze verify`
# (its qsal path pointed at the binary given as $1), the sysusers.d file by creating its group in a
# scratch root, and the tmpfiles.d file by creating the runtime directory there (mode 2770, group
# qat). Exit 0 when all hold; 3 when systemd's tools are not installed (the caller decides).
set -euo pipefail
qsal_binary=${1:?usage: packaging/verify.sh PATH-TO-QSAL}
here=$(cd "$(dirname "$0")" && pwd)
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    command -v "$tool" >/dev/null || { echo "packaging: $tool is not installed"; exit 3; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed "s|/usr/local/bin/qsal|$qsal_binary|g" "$here/qsal.service" > "$scratch/qsal.service"
systemd-analyze verify "$scratch/qsal.service"
echo "packaging: qsal.service verifies"
mkdir -p "$scratch/root/etc"
systemd-sysusers --root="$scratch/root" "$here/qsal.sysusers.conf"
gid=$(awk -F: '$1 == "qat" { print $3 }' "$scratch/root/etc/group")
[[ -n "$gid" ]] || { echo "packaging: sysusers did not create the group qat"; exit 1; }
systemd-tmpfiles --create --root="$scratch/root" "$here/qsal.tmpfiles.conf"
mode=$(stat -c '%a' "$scratch/root/run/qsal")
[[ "$mode" == 2770 ]] || { echo "packaging: /run/qsal has mode $mode, not 2770"; exit 1; }
echo "packaging: sysusers creates group qat (gid $gid), tmpfiles creates /run/qsal 2770"
