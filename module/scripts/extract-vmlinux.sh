#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# extract-vmlinux.sh IMAGE OUT: write the ELF vmlinux compressed inside a
# bzImage to OUT (used for its .BTF when the kernel headers ship none).
# Tries every xz, zstd and gzip stream start in the image until one
# decompresses to an ELF file.
set -uo pipefail
image=$1
out=$2
try() {
	local offset=$1 tool=$2
	tail -c +$((offset + 1)) "$image" | $tool -dc 2>/dev/null > "$out.tmp"
	if readelf -h "$out.tmp" >/dev/null 2>&1; then
		mv "$out.tmp" "$out"
		exit 0
	fi
}
# Stream magics (bash strings cannot hold xz's trailing NUL; not needed).
magics=($'\xfd7zXZ' $'\x28\xb5\x2f\xfd' $'\x1f\x8b\x08')
tools=(xz zstd gzip)
for i in "${!magics[@]}"; do
	magic=${magics[$i]}
	tool=${tools[$i]}
	command -v "$tool" >/dev/null || continue
	for offset in $(LC_ALL=C grep -abo "$magic" "$image" | cut -d: -f1); do
		try "$offset" "$tool"
	done
done
rm -f "$out.tmp"
echo "extract-vmlinux.sh: no compressed ELF vmlinux found in $image" >&2
exit 1
