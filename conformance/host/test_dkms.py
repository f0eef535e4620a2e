# SPDX-License-Identifier: GPL-2.0
"""tvkms as a DKMS package (module/dkms.conf): `dkms add` and `dkms build`
for each kernel of the matrix, in a private DKMS tree. Nothing is
installed into /lib/modules and no signing key is made."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, kernel_release, kernels

DKMS_CONF = ROOT / "module" / "dkms.conf"

pytestmark = pytest.mark.skipif(shutil.which("dkms") is None,
                                reason="dkms is not installed (ci/deps installs it)")


def conf_value(name):
    match = re.search(rf'^{name}="([^"]*)"$', DKMS_CONF.read_text(), re.M)
    assert match, f"{name} is not set in {DKMS_CONF}"
    return match.group(1)


@pytest.fixture(scope="module")
def dkms(tmp_path_factory):
    """dkms with its own tree and source tree, the package added."""
    base = tmp_path_factory.mktemp("dkms")
    trees = ["--dkmstree", str(base / "tree"), "--sourcetree", str(base / "src")]
    for tree in ("tree", "src"):
        (base / tree).mkdir()
    # An unset sign_file makes dkms create a signing key in /var/lib/dkms.
    env = {**os.environ, "sign_file": "/nonexistent"}

    def run(*args):
        return subprocess.run(["dkms", *args, *trees], capture_output=True,
                              text=True, env=env, timeout=600)

    staged = subprocess.run(["make", "-s", "--no-print-directory", "-C",
                             str(ROOT / "module"), "dkms-src"],
                            check=True, capture_output=True, text=True).stdout.strip()
    added = run("add", staged)
    assert added.returncode == 0, added.stdout + added.stderr
    yield run, base / "tree"
    shutil.rmtree(base)


def built_module(tree, release):
    name, version = conf_value("PACKAGE_NAME"), conf_value("PACKAGE_VERSION")
    found = sorted((tree / name / version / release).glob("*/module/tvkms.ko*"))
    assert found, f"no tvkms.ko under {tree / name / version / release}"
    return found[0]


def modinfo(path, field):
    return subprocess.run(["modinfo", "-F", field, str(path)], check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("alias", kernels())
def test_dkms_builds_tvkms_for_the_kernel(dkms, alias):
    run, tree = dkms
    release = kernel_release(alias)
    built = run("build", "-m", conf_value("PACKAGE_NAME"),
                "-v", conf_value("PACKAGE_VERSION"), "-k", release)
    assert built.returncode == 0, built.stdout + built.stderr
    module = built_module(tree, release)
    assert modinfo(module, "vermagic").split()[0] == release
    assert modinfo(module, "name") == "tvkms"
    status = run("status", "-m", "tvkms", "-k", release).stdout
    assert f"{release}" in status and "built" in status, status


def test_dkms_package_version_is_the_module_version(dkms):
    """dkms.conf's PACKAGE_VERSION and the module's MODULE_VERSION agree."""
    run, tree = dkms
    release = kernel_release(kernels()[0])
    if not list((tree / "tvkms").glob(f"*/{release}")):
        built = run("build", "-m", "tvkms", "-v", conf_value("PACKAGE_VERSION"),
                    "-k", release)
        assert built.returncode == 0, built.stdout + built.stderr
    assert modinfo(built_module(tree, release), "version") == conf_value("PACKAGE_VERSION")
