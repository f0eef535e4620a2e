# SPDX-License-Identifier: GPL-2.0
"""kmstrace fuzz's uAPI errno table (harness/afuzz/errno_table.c): the
answers it allows are the kernel's, and the check it makes catches a
driver that answers otherwise. The table is compiled alone into a shared
object and called through ctypes, so each row is asserted directly."""
import ctypes
import errno
import re
import subprocess

import pytest

from conftest import ROOT

SOURCE = ROOT / "harness" / "afuzz" / "errno_table.c"
HEADER = ROOT / "harness" / "afuzz" / "errno_table.h"


def mutations():
    """{name: value} of enum kmst_afuzz_mutation, read from the header."""
    body = re.search(r"enum kmst_afuzz_mutation \{(.*?)\};", HEADER.read_text(), re.S).group(1)
    names = re.findall(r"^\s*(KMST_MUT_[A-Z_]+)", body, re.M)
    return {name: i for i, name in enumerate(names)}


MUT = mutations()


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    lib = tmp_path_factory.mktemp("afuzz") / "errno_table.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-D_GNU_SOURCE",
                    "-I", str(ROOT / "harness"), "-o", str(lib), str(SOURCE)], check=True)
    so = ctypes.CDLL(str(lib))
    so.kmst_afuzz_errno_allowed.argtypes = [ctypes.c_int, ctypes.c_bool, ctypes.c_int]
    so.kmst_afuzz_errno_allowed.restype = ctypes.c_bool
    return so


def allowed(table, name, got, nonblock=False):
    return table.kmst_afuzz_errno_allowed(MUT[name], nonblock, got)


# (mutation, the errno the 6.1 uAPI returns, an errno it never returns for it)
KERNEL_ANSWERS = [
    ("KMST_MUT_UNKNOWN_OBJECT", errno.ENOENT, errno.EINVAL),
    ("KMST_MUT_UNKNOWN_PROP", errno.ENOENT, errno.EINVAL),
    ("KMST_MUT_PROPLESS_OBJECT", errno.ENOENT, 0),
    ("KMST_MUT_RANGE", errno.EINVAL, errno.ERANGE),
    ("KMST_MUT_BAD_FB", errno.EINVAL, errno.ENOENT),
    ("KMST_MUT_BLOB_SIZE", errno.EINVAL, 0),
    ("KMST_MUT_TEST_ONLY_EVENT", errno.EINVAL, 0),
    ("KMST_MUT_SRC_OUTSIDE_FB", errno.ENOSPC, errno.EINVAL),
    ("KMST_MUT_CRTC_RECT_OVERFLOW", errno.ERANGE, errno.EINVAL),
    ("KMST_MUT_LEGACY_SETCRTC_BAD_FB", errno.ENOENT, errno.EINVAL),
    ("KMST_MUT_NONE", 0, errno.EINVAL),
]


@pytest.mark.parametrize("name,answer,wrong", KERNEL_ANSWERS, ids=[a[0] for a in KERNEL_ANSWERS])
def test_the_kernels_answer_is_allowed_and_a_wrong_one_is_a_mismatch(table, name, answer, wrong):
    assert allowed(table, name, answer), f"{name}: the kernel's {answer} is refused"
    assert not allowed(table, name, wrong), f"{name}: a driver answering {wrong} would pass unseen"


def test_ebusy_is_allowed_only_to_a_nonblocking_commit_that_could_succeed(table):
    assert not allowed(table, "KMST_MUT_NONE", errno.EBUSY)
    assert allowed(table, "KMST_MUT_NONE", errno.EBUSY, nonblock=True)
    # The uAPI refuses an unknown object before any CRTC can be busy.
    assert not allowed(table, "KMST_MUT_UNKNOWN_OBJECT", errno.EBUSY, nonblock=True)


def test_an_errno_outside_the_table_is_never_allowed(table):
    for name in MUT:
        if name != "KMST_MUT_COUNT":
            assert not allowed(table, name, errno.EFAULT, nonblock=True), name
    assert not table.kmst_afuzz_errno_allowed(MUT["KMST_MUT_COUNT"], False, 0)


def test_every_mutation_has_a_row_naming_the_kernel_check(kmstrace):
    out = subprocess.run([str(kmstrace), "fuzz", "--errno-table"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(out) == MUT["KMST_MUT_COUNT"]
    names = [line.split()[0] for line in out]
    assert len(set(names)) == len(names)
    for line in out:
        name, answers, why = line.split(None, 2)
        assert re.fullmatch(r"(ok|E[A-Z]+)(\|(ok|E[A-Z]+))*", answers), line
        assert why.strip(), f"{name}: no kernel check named"
