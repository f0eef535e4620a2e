# SPDX-License-Identifier: GPL-2.0
# Kernel matrix: short aliases and how each resolves to an exact Debian
# kernel. Sourced by ci/deps, ci/vm and the Makefiles (via ci/kernel).
#
#   6.1      bookworm's kernel (linux-image-amd64)
#   6.12     bookworm-backports' newest 6.12 build
#   6.1-rt   bookworm's PREEMPT_RT kernel (linux-image-rt-amd64)
#   6.12-rt  bookworm-backports' newest 6.12 PREEMPT_RT build

KNOWN_ALIASES="6.1 6.12 6.1-rt 6.12-rt"

# newest_612 FLAVOUR: the newest 6.12 image package of that flavour in the
# archive ("amd64" or "rt-amd64"); the "+debNN" suffix keeps the regular
# flavour's pattern from matching the rt one.
newest_612() {
	apt-cache search --names-only "^linux-image-6\\.12\\.[0-9]+\\+[a-z0-9.]+-$1-unsigned\$" 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -n1
}

# Debian package names that provide the kernels of the matrix, headers
# included (tvkms, the mutants and the vkms peer build against them).
kernel_packages() {
	pkgs="linux-image-amd64 linux-headers-amd64 linux-image-rt-amd64 linux-headers-rt-amd64"
	for flavour in amd64 rt-amd64; do
		image=$(newest_612 "$flavour")
		[ -n "$image" ] || return 1
		release=${image#linux-image-}
		release=${release%-unsigned}
		pkgs="$pkgs $image linux-headers-$release"
	done
	echo "$pkgs"
}

# kernel_release ALIAS [BOOT_LISTING]: the newest installed kernel release
# of that alias, e.g. 6.1 -> 6.1.0-37-amd64, 6.1-rt -> 6.1.0-37-rt-amd64.
# BOOT_LISTING (file names, one a line) stands in for `ls /boot` (the host
# tests feed it made-up listings). Fails with a list of aliases if unknown.
kernel_release() {
	case " $KNOWN_ALIASES " in
	*" $1 "*) ;;
	*)
		echo "unknown kernel alias '$1' (known: $KNOWN_ALIASES)" >&2
		return 2
		;;
	esac
	# An "-rt" alias takes only PREEMPT_RT images; a plain alias never does.
	case "$1" in
	*-rt) pattern="s/^vmlinuz-\(${1%-rt}\.[0-9][^/]*-rt-amd64\)$/\1/p" ;;
	*) pattern="/-rt-amd64$/d; s/^vmlinuz-\($1\.[0-9][^/]*\)$/\1/p" ;;
	esac
	if [ $# -ge 2 ]; then
		listing=$2
	else
		listing=$(ls /boot 2>/dev/null)
	fi
	found=$(printf '%s\n' "$listing" | sed -n "$pattern" | sort -V | tail -n1)
	if [ -z "$found" ]; then
		echo "kernel alias '$1' is not installed (run ci/deps)" >&2
		return 1
	fi
	echo "$found"
}
