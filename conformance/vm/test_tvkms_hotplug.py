# SPDX-License-Identifier: GPL-2.0
"""tvkms hotplug (debugfs-driven connector status with a uevent) and hot
unplug (unbind with an open file and with flips in flight)."""
import errno
import os
import pathlib
import socket
import subprocess
import time

import pytest

import tvkms_util as tv

UNBIND = pathlib.Path("/sys/bus/platform/drivers/tvkms/unbind")
BIND = pathlib.Path("/sys/bus/platform/drivers/tvkms/bind")


@pytest.fixture
def tvkms():
    with tv.session() as load:
        yield load


def uevent_socket():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)
    sock.bind((0, 1))  # kernel uevents multicast group
    sock.settimeout(2.0)
    return sock


def drm_hotplug_uevent(sock):
    """The first drm HOTPLUG=1 uevent within the socket's timeout, or None."""
    try:
        while True:
            fields = sock.recv(8192).split(b"\0")
            env = dict(f.decode().split("=", 1) for f in fields if b"=" in f)
            if env.get("SUBSYSTEM") == "drm" and env.get("HOTPLUG") == "1":
                return env
    except socket.timeout:
        return None


def connector_status(card_name):
    return (pathlib.Path("/sys/class/drm") / f"{card_name}-Virtual-1" /
            "status").read_text().strip()


def test_hotplug_toggles_status_and_sends_a_uevent(tvkms):
    card_name, path = tvkms()
    control = tv.debugfs_dir() / "connector-0"
    assert control.read_text().strip() == "connected"
    assert connector_status(card_name) == "connected"
    with tv.Card(path) as client:
        _, connectors = client.resources()
    for status in ("disconnected", "connected"):
        sock = uevent_socket()
        control.write_text(status)
        event = drm_hotplug_uevent(sock)
        sock.close()
        assert connector_status(card_name) == status
        assert event, f"no drm hotplug uevent after '{status}'"
        assert event.get("CONNECTOR") == str(connectors[0])
        with tv.Card(path) as client:
            connection, modes = client.connector(connectors[0])
        assert connection == (1 if status == "connected" else 2)
        assert bool(modes) == (status == "connected")


def test_hotplug_control_refuses_unknown_words(tvkms):
    tvkms()
    fd = os.open(tv.debugfs_dir() / "connector-0", os.O_WRONLY)
    with pytest.raises(OSError) as err:
        os.write(fd, b"maybe")
    os.close(fd)
    assert err.value.errno == errno.EINVAL


def test_unbind_with_an_open_file_gives_enodev(tvkms):
    tvkms()
    client = tv.Card()
    pipe = tv.Pipe(client, 0)
    UNBIND.write_text("tvkms")
    with pytest.raises(OSError) as err:
        client.resources()
    assert err.value.errno == errno.ENODEV
    with pytest.raises(OSError) as err:
        pipe.flip(1)
    assert err.value.errno == errno.ENODEV
    client.close()
    BIND.write_text("tvkms")
    with tv.Card() as again:
        assert len(again.resources()[0]) == 1


def test_unbind_while_nonblocking_flips_are_pending(tvkms):
    """Flips are pending on two CRTCs of a 1 Hz mode (each waits up to a
    second for its VBLANK) when the device is unbound: the unbind finishes
    within about a frame, every pending flip still gets its event, the next
    ioctl gets ENODEV, and the kernel log has no flip_done/commit timeout
    (fixture)."""
    tvkms(crtcs=2, refresh=1)
    client = tv.Card()
    pipes = [tv.Pipe(client, index, "1024x768", 1) for index in range(2)]
    for index, pipe in enumerate(pipes):
        pipe.flip(100 + index)
    start = time.monotonic()
    UNBIND.write_text("tvkms")
    unbind_s = time.monotonic() - start
    events = client.read_events(2.0, count=2)
    with pytest.raises(OSError) as err:
        client.resources()
    assert err.value.errno == errno.ENODEV
    assert sorted(e[0] for e in events) == [100, 101], events
    # A stall would be flip_done's 10 s timeout; a 1 Hz frame is the most
    # the teardown may wait for (TCG-sized margin).
    assert unbind_s < 5.0, unbind_s
    client.close()


def test_unbind_during_a_1000hz_flip_stream(tvkms):
    """modetest keeps nonblocking flips in flight on two CRTCs at 1000 Hz,
    so the unbind races commits already inside their ioctl: another open
    file then gets ENODEV, modetest still ends on SIGINT, and the kernel
    log stays free of timeouts and splats (fixture)."""
    tvkms(crtcs=2)
    with tv.Card() as client:
        crtcs, connectors = client.resources()
    args = []
    for index in range(2):
        args += ["-s", f"{connectors[index]}@{crtcs[index]}:1024x768-1000"]
    proc = subprocess.Popen(["modetest", "-M", "tvkms", *args, "-v"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    time.sleep(1.5)
    watcher = tv.Card()
    UNBIND.write_text("tvkms")
    with pytest.raises(OSError) as err:
        watcher.resources()
    assert err.value.errno == errno.ENODEV
    watcher.close()
    proc.send_signal(2)
    out, _ = proc.communicate(timeout=10)
    assert "freq:" in out, out


def test_rmmod_is_refused_while_a_file_is_open(tvkms):
    """The open file pins the module (fops owner); once it is closed the
    module unloads cleanly (fixture)."""
    tvkms()
    with tv.Card() as client:
        pipe = tv.Pipe(client, 0)
        pipe.flip(1)
        result = tv.run("rmmod", "tvkms", check=False)
        assert result.returncode != 0
        assert tv.is_loaded()
        assert len(client.read_events(1.0, count=1)) == 1
