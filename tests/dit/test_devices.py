"""`resolve_device`: the names a user may give, and one line naming this machine's devices otherwise.

The GPU count is faked, so the answers are the same on a laptop and on a GPU machine.
"""

import pytest
import torch

from dit.devices import resolve_device
from dit.errors import DiTError


@pytest.fixture
def gpus(monkeypatch):
    """Set how many CUDA devices torch reports (and no MPS)."""
    def fake(count: int) -> None:
        monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    return fake


def test_names_resolve_to_devices(gpus):
    gpus(2)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("cuda") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    assert resolve_device(torch.device("cuda", 0)) == torch.device("cuda", 0)
    assert resolve_device("auto") == torch.device("cuda")


def test_auto_is_the_cpu_without_a_gpu(gpus):
    gpus(0)
    assert resolve_device("auto") == torch.device("cpu")


@pytest.mark.parametrize("name", ["foo", "gpu", "CUDA", "cuda:", "cuda:x", "cpu:0", "", None])
def test_an_unknown_name_lists_the_names_and_the_devices_here(gpus, name):
    gpus(1)
    with pytest.raises(DiTError, match=r"unknown device .*; use cpu, cuda, cuda:N, mps or auto "
                                       r"\(this machine has cpu, cuda:0\)$"):
        resolve_device(name)


@pytest.mark.parametrize("gpu_count, name", [(0, "cuda"), (0, "cuda:0"), (2, "cuda:2"), (0, "mps")])
def test_an_absent_device_is_one_line_naming_those_present(gpus, gpu_count, name):
    gpus(gpu_count)
    present = ", ".join(["cpu"] + [f"cuda:{index}" for index in range(gpu_count)])
    with pytest.raises(DiTError) as error:
        resolve_device(name)
    assert str(error.value) == (f"device {name!r} is not available here; this machine has {present}: "
                                "use one of those, or auto")
