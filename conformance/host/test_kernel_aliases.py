# SPDX-License-Identifier: GPL-2.0
"""ci/kernels.sh: every kernel alias resolves to a release of its own
flavour (PREEMPT_RT or not), from made-up /boot listings and from the
kernels installed here."""
import subprocess

import pytest

from conftest import ROOT

ALIASES = ["6.1", "6.12", "6.1-rt", "6.12-rt"]

# A /boot of several builds per flavour, in an order `ls` would not give,
# with the files that are not kernel images.
BOOT = """\
System.map-6.1.0-57-rt-amd64
config-6.1.0-57-amd64
initrd.img-6.1.0-9-amd64
vmlinuz-6.1.0-9-amd64
vmlinuz-6.1.0-9-rt-amd64
vmlinuz-6.1.0-57-rt-amd64
vmlinuz-6.1.0-57-amd64
vmlinuz-6.1.0-10-amd64
vmlinuz-6.12.95+deb12-rt-amd64
vmlinuz-6.12.118+deb12-amd64
vmlinuz-6.12.118+deb12-rt-amd64
vmlinuz-6.12.9+deb12-amd64
vmlinuz-6.10.3-amd64
"""


def resolve(alias, listing):
    """kernel_release ALIAS LISTING, sourced from ci/kernels.sh."""
    return subprocess.run(
        ["sh", "-c", '. "$0"; kernel_release "$1" "$2"',
         str(ROOT / "ci" / "kernels.sh"), alias, listing],
        capture_output=True, text=True, timeout=10)


def test_known_aliases_are_the_matrix():
    result = subprocess.run([str(ROOT / "ci" / "kernel"), "--list"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.split() == ALIASES


@pytest.mark.parametrize("alias,release", [
    ("6.1", "6.1.0-57-amd64"),
    ("6.12", "6.12.118+deb12-amd64"),
    ("6.1-rt", "6.1.0-57-rt-amd64"),
    ("6.12-rt", "6.12.118+deb12-rt-amd64"),
])
def test_alias_takes_the_newest_image_of_its_flavour(alias, release):
    result = resolve(alias, BOOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == release


@pytest.mark.parametrize("alias,listing", [
    # Only PREEMPT_RT images: a plain alias must not take one.
    ("6.1", "vmlinuz-6.1.0-57-rt-amd64\nvmlinuz-6.12.118+deb12-rt-amd64\n"),
    ("6.12", "vmlinuz-6.12.118+deb12-rt-amd64\n"),
    # Only regular images: an -rt alias must not fall back to one.
    ("6.1-rt", "vmlinuz-6.1.0-57-amd64\nvmlinuz-6.12.118+deb12-amd64\n"),
    ("6.12-rt", "vmlinuz-6.12.118+deb12-amd64\nvmlinuz-6.1.0-57-rt-amd64\n"),
])
def test_alias_without_an_image_of_its_flavour_is_not_installed(alias, listing):
    result = resolve(alias, listing)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == f"kernel alias '{alias}' is not installed (run ci/deps)"


def test_unknown_alias_is_refused_with_the_known_ones():
    result = resolve("6.6-rt", BOOT)
    assert result.returncode == 2
    assert "unknown kernel alias '6.6-rt'" in result.stderr
    for alias in ALIASES:
        assert alias in result.stderr


@pytest.mark.parametrize("alias", ALIASES)
def test_installed_alias_boots_a_kernel_of_its_flavour(alias):
    """The real /boot: the resolved release's own config says whether it is
    PREEMPT_RT (ci/deps installs every kernel of the matrix)."""
    result = subprocess.run([str(ROOT / "ci" / "kernel"), alias],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    release = result.stdout.strip()
    config = f"/boot/config-{release}"
    with open(config) as f:
        lines = f.read().splitlines()
    assert release.startswith(alias.removesuffix("-rt") + ".")
    assert ("CONFIG_PREEMPT_RT=y" in lines) == alias.endswith("-rt"), config
