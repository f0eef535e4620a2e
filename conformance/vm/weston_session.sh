#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# conformance/vm/weston_session.sh CARD SECONDS LOG [CLIENT...]
#
# Run Debian's weston 10 on CARD (card0, ...) with the DRM backend, the
# pixman renderer and no input devices, show CLIENT (default
# weston-simple-shm) for SECONDS, then stop weston with SIGTERM. weston's
# log goes to LOG. Meant to run under `kmstrace record` in the guest, as root.
#
# The seat: Debian builds weston 10 without libseat, so neither seatd nor
# libseat's builtin backend can serve it; its launchers are logind (no
# systemd in the guest), weston-launch (not shipped) and "direct", which
# needs root and a virtual terminal on stdin. The guest has no getty, so
# /dev/tty2 is free. No udev either: libinput finds no input device, hence
# --continue-without-input, and weston takes the DRM device from sysfs.
# XDG_RUNTIME_DIR is made here (in the guest's own /tmp) when unset.
# Exit 0 when the client ran the whole time and weston stopped cleanly.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 CARD SECONDS LOG [CLIENT...]" >&2
	exit 2
fi
card=$1 seconds=$2 log=$3
shift 3
[ $# -gt 0 ] || set -- weston-simple-shm

if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
	if ! XDG_RUNTIME_DIR=$(mktemp -d /tmp/kmst-xdg.XXXXXX); then
		echo "$0: cannot make a runtime directory for weston in /tmp" >&2
		exit 1
	fi
	export XDG_RUNTIME_DIR
	# Made here, so removed here, whichever way the session ends.
	trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
fi
socket=kmst-weston-$$
tty=/dev/tty2

weston --backend=drm-backend.so --use-pixman --drm-device="$card" \
	--continue-without-input --idle-time=0 --socket="$socket" --log="$log" \
	<"$tty" &
weston=$!

# weston's socket appears once it is ready for clients (about 0.5 s under TCG).
i=0
while [ ! -S "$XDG_RUNTIME_DIR/$socket" ]; do
	if ! kill -0 "$weston" 2>/dev/null || [ $i -ge 300 ]; then
		echo "$0: weston did not start on $card (its log: $log)" >&2
		kill "$weston" 2>/dev/null
		wait "$weston"
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done

WAYLAND_DISPLAY=$socket timeout "$seconds" "$@"
client=$?
kill -TERM "$weston"
wait "$weston"
status=$?
# timeout's 124: the client was still running when its time was up.
if [ $client -ne 124 ]; then
	echo "$0: $1 exited with $client before its $seconds s were up" >&2
	exit 1
fi
if [ $status -ne 0 ]; then
	echo "$0: weston exited with $status (its log: $log)" >&2
	exit 1
fi
exit 0
