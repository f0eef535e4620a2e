# SPDX-License-Identifier: GPL-2.0
"""kmstrace(1) documents every command and every option that the usage
texts (`kmstrace --help`, `kmstrace COMMAND --help`) show, and renders."""
import re
import shutil
import subprocess

import pytest

from test_cli import commands

# An option as a usage text shows it: -o, --stall-timeout (not "-id" inside prose).
OPTION = re.compile(r"(?:(?<=^)|(?<=[\s,\[|]))(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\s,\]|=]|$)")


@pytest.fixture(scope="module")
def man_page(root):
    result = subprocess.run(["make", "-s", "-C", str(root / "doc")], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    page = root / ".output" / "doc" / "kmstrace.1"
    assert page.stat().st_size > 0
    return page


@pytest.fixture(scope="module")
def source(root):
    return (root / "doc" / "kmstrace.1.scd").read_text()


def section(source, heading):
    """The text under `## heading` (or `# HEADING`) up to the next heading of that level."""
    level = heading.split()[0]
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^{level} |\Z)", source, re.M | re.S)
    assert match, f"no section {heading!r} in the man page"
    return match.group(1)


def usage_options(text):
    """Options of a usage text's option lines ("  -o, --output PATH   what it does")."""
    found = set()
    for line in text.splitlines():
        if line.lstrip().startswith("-"):
            names = re.split(r"\s{2,}", line.strip())[0]
            found.update(OPTION.findall(names))
    return found


def test_every_command_has_a_section_with_every_option_of_its_usage(kmstrace, source):
    for name in commands(kmstrace):
        text = section(source, f"## {name}")
        usage = subprocess.run([str(kmstrace), name, "--help"], capture_output=True, text=True,
                               check=True).stdout
        options = usage_options(usage)
        if name != "version":
            assert options, f"{name}: no option found in its usage text"
        for option in options:
            assert f"*{option}*" in text, f"{name}: {option} is not in its man page section"


def test_global_options_are_in_the_man_page(kmstrace, source):
    usage = subprocess.run([str(kmstrace), "--help"], capture_output=True, text=True,
                           check=True).stdout
    options = usage_options(usage.split("commands:")[0])
    assert {"-j", "--json", "-h", "--help", "--version"} <= options
    text = section(source, "# GLOBAL OPTIONS")
    for option in options:
        assert f"*{option}*" in text, option


def test_exit_codes_match_exit_h(root, source):
    header = (root / "harness" / "common" / "exit.h").read_text()
    codes = {int(v) for v in re.findall(r"KMST_EXIT_\w+\s*=\s*(\d+)", header)}
    table = section(source, "# EXIT STATUS")
    documented = {int(v) for v in re.findall(r"^\|\s+(\d+)$", table, re.M)}
    assert codes and documented == codes


def test_man_page_renders_without_warnings(man_page):
    if shutil.which("groff"):
        result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(man_page)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and result.stderr == "", result.stderr
    if shutil.which("man"):
        result = subprocess.run(["man", "-l", str(man_page)], capture_output=True, text=True,
                                timeout=60, env={"MANPAGER": "cat", "MANWIDTH": "80",
                                                 "PATH": "/usr/bin:/bin"})
        assert result.returncode == 0, result.stderr
        assert "EXIT STATUS" in result.stdout and "kmstrace list" in result.stdout
