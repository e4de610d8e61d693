"""Fixtures shared by the file-handling tests of several packages."""

import os
import subprocess
import sys

import pytest


def dead_pid() -> int:
    """The process id of a process that has exited: what a killed writer leaves in its temporary names."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def umask_027():
    """A umask that differs from both mkstemp's 0600 and the usual 022, so a file's mode shows which applied."""
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


@pytest.fixture
def small_disk(tmp_path):
    """A 24 kB tmpfs, the full disk of issue 12 (root only: skipped where mounting is not allowed)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)
