"""Naming the device a model runs on: one place that turns "cpu", "cuda:1" or "auto" into a `torch.device`.

Checked before any work, so a typo or a missing GPU is one line saying which devices this machine has, not a
traceback from deep inside torch after the scene was simulated.
"""

import re

import torch

from dit.errors import DiTError

NAMES = "cpu, cuda, cuda:N, mps or auto"


def available_devices() -> list[str]:
    """The device names torch can use here, e.g. ["cpu", "cuda:0", "cuda:1"]."""
    found = ["cpu"] + [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    return found + (["mps"] if torch.backends.mps.is_available() else [])


def resolve_device(name: str | torch.device) -> torch.device:
    """The device `name` means: "cpu", "cuda" (the current GPU), "cuda:N", "mps", or "auto" (CUDA if
    available, else the CPU); an unknown name or an absent device is a DiTError naming the devices here."""
    name = str(name) if isinstance(name, torch.device) else name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    match = re.fullmatch(r"(cpu|mps|cuda)(?::(\d+))?", name) if isinstance(name, str) else None
    if match is None or (match.group(2) is not None and match.group(1) != "cuda"):
        raise DiTError(f"unknown device {name!r}; use {NAMES} (this machine has {', '.join(available_devices())})")
    kind, index = match.group(1), match.group(2)
    present = {"cpu": True, "mps": torch.backends.mps.is_available(),
               "cuda": torch.cuda.device_count() > (0 if index is None else int(index))}[kind]
    if not present:
        raise DiTError(f"device {name!r} is not available here; this machine has "
                       f"{', '.join(available_devices())}: use one of those, or auto")
    return torch.device(name)
