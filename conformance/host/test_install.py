# SPDX-License-Identifier: GPL-2.0
"""`make install` with PREFIX and DESTDIR puts the tool (its BPF objects
embedded), the man page and the corpus where a packager expects them, and
`make uninstall` takes them away again."""
import os
import subprocess

import pytest

PREFIX = "/opt/kmstrace-test"


def make(root, target, destdir):
    return subprocess.run(["make", "-s", "-C", str(root), target, f"DESTDIR={destdir}",
                           f"PREFIX={PREFIX}"], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(root, tmp_path_factory):
    destdir = tmp_path_factory.mktemp("destdir")
    result = make(root, "install", destdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return destdir, destdir / PREFIX.lstrip("/")


def test_tool_is_installed_and_runs(installed):
    _, prefix = installed
    tool = prefix / "bin" / "kmstrace"
    assert tool.is_file() and os.access(tool, os.X_OK)
    result = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("kmstrace ")


def test_bpf_objects_are_embedded_in_the_tool(installed, root):
    _, prefix = installed
    binary = (prefix / "bin" / "kmstrace").read_bytes()
    for name in ("commit", "discover"):
        obj = (root / ".output" / "bpf" / f"{name}.bpf.o").read_bytes()
        assert obj[:4] == b"\x7fELF"
        assert obj in binary, f"{name}.bpf.o is not embedded: it would have to be installed"
    assert not list(prefix.rglob("*.bpf.o"))


def test_man_page_is_installed(installed, root):
    _, prefix = installed
    page = prefix / "share" / "man" / "man1" / "kmstrace.1"
    assert page.read_bytes() == (root / ".output" / "doc" / "kmstrace.1").read_bytes()


def test_corpus_is_installed(installed, root):
    _, prefix = installed
    corpus = prefix / "share" / "kmstrace" / "traces"
    expected = sorted(p.name for p in (root / "traces").glob("*.seq"))
    assert expected and sorted(p.name for p in corpus.glob("*.seq")) == expected
    assert (corpus / "verdicts.txt").read_text() == (root / "traces" / "verdicts.txt").read_text()


def test_nothing_lands_outside_destdir_prefix(installed):
    destdir, _ = installed
    tops = {p.relative_to(destdir).parts[0] for p in destdir.rglob("*")}
    assert tops == {PREFIX.strip("/").split("/")[0]}


def test_uninstall_removes_what_install_put(root, tmp_path):
    assert make(root, "install", tmp_path).returncode == 0
    result = make(root, "uninstall", tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
