# SPDX-License-Identifier: GPL-2.0
"""Issue 11's privilege rule: kmstrace run without the privileges tracing
needs (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) says which it lacks in
one line and exits 2, before it loads or writes anything. The check runs
before any kernel access, so it holds on the host as in the guest."""
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SETPRIV = shutil.which("setpriv")
pytestmark = pytest.mark.skipif(SETPRIV is None, reason="util-linux's setpriv is not installed")

NOBODY = [SETPRIV, "--reuid", "65534", "--regid", "65534", "--clear-groups"]
# root, but with the three capabilities taken out of the bounding set
NO_TRACING_CAPS = [SETPRIV, "--inh-caps=-all", "--bounding-set=-bpf,-perfmon,-sys_admin"]
NO_PERFMON = [SETPRIV, "--inh-caps=-all", "--bounding-set=-perfmon,-sys_admin"]


def run(prefix, kmstrace, *args):
    return subprocess.run([*prefix, str(kmstrace), *map(str, args)], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("who,prefix", [("nobody", NOBODY), ("root without the caps", NO_TRACING_CAPS)])
@pytest.mark.parametrize("command", [["record", "-o", "{out}", "--", "true"], ["list"],
                                     ["hist", "--live", "1"]])
def test_tracing_without_privileges_is_one_line_naming_the_missing_caps_exit_2(
        kmstrace, who, prefix, command):
    # A folder nobody may write in, so that the refusal is the privileges' alone.
    shared = Path(tempfile.mkdtemp(prefix="kmst-priv-", dir="/tmp"))
    shared.chmod(0o777)
    out = shared / "t.kmst"
    result = run(prefix, kmstrace, *[a.format(out=out) for a in command])
    assert result.returncode == 2, (who, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, (who, result.stderr)
    assert "lacks CAP_BPF and CAP_PERFMON" in lines[0], lines[0]
    assert not out.exists(), "a refused record must not leave a trace file"
    shutil.rmtree(shared)


def test_only_the_missing_capability_is_named(kmstrace, tmp_path):
    result = run(NO_PERFMON, kmstrace, "list")
    assert result.returncode == 2, result.stderr
    assert "lacks CAP_PERFMON:" in result.stderr and "lacks CAP_BPF" not in result.stderr, result.stderr


def test_root_passes_the_privilege_check(kmstrace):
    """The same command as root gets past the check (on the host it then
    fails later, on the missing DRM device or BPF, never on privileges)."""
    result = run([], kmstrace, "list")
    assert "lacks CAP_" not in result.stderr, result.stderr
