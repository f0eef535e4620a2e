# SPDX-License-Identifier: GPL-2.0
# Kernel matrix: short aliases and how each resolves to an exact Debian
# kernel. Sourced by ci/deps, ci/vm and the Makefiles (via ci/kernel).

KNOWN_ALIASES="6.1 6.12"

# Debian package names that provide the kernels of the matrix.
kernel_packages() {
	newest_612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+[a-z0-9]+-amd64-unsigned$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -n1)
	[ -n "$newest_612" ] || return 1
	release=${newest_612#linux-image-}
	release=${release%-unsigned}
	echo "linux-image-amd64 linux-headers-amd64 $newest_612 linux-headers-$release"
}

# kernel_release ALIAS: the newest installed kernel release of that alias,
# e.g. 6.1 -> 6.1.0-37-amd64. Fails with a list of aliases if unknown.
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
	found=$(ls /boot 2>/dev/null | sed -n "$pattern" | sort -V | tail -n1)
	if [ -z "$found" ]; then
		echo "kernel alias '$1' is not installed (run ci/deps)" >&2
		return 1
	fi
	echo "$found"
}
