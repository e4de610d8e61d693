"""PyBullet, imported without the build-time banner its C extension prints to stderr (it would break the
CLI's promise of one line on bad input, and clutters every command)."""

import os
import sys


def _import_quietly():
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import pybullet
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)
    return pybullet


p = _import_quietly()
