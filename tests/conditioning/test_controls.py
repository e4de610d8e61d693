"""`Controls`: validation, selecting branches, batching, moving."""

import pytest
import torch

from conditioning import ConditioningError, Controls


def controls(batch=1, frames=2, height=4, width=6, fill=1.0) -> Controls:
    shape = (batch, frames, height, width)
    return Controls(
        maps={"depth": torch.full((shape[0], 1, *shape[1:]), fill), "flow": torch.full((shape[0], 3, *shape[1:]), fill),
              "segmentation": torch.full((shape[0], 1, *shape[1:]), fill)},
        present={name: torch.ones(batch, dtype=torch.bool) for name in ("depth", "flow", "segmentation")})


def test_select_keeps_the_named_branches_in_the_given_order():
    selected = controls().select(["segmentation", "depth"])
    assert selected.names == ("segmentation", "depth") and set(selected.present) == {"segmentation", "depth"}
    assert controls().select([]).names == ()
    with pytest.raises(ConditioningError, match="no normals branch"):
        controls().select(["normals"])
    with pytest.raises(ConditioningError, match="no flow branch"):
        controls().select(["depth"]).select(["flow"])


def test_stack_concatenates_along_the_batch():
    batch = Controls.stack([controls(fill=1.0), controls(batch=2, fill=2.0)])
    assert batch.maps["flow"].shape == (3, 3, 2, 4, 6) and batch.present["depth"].shape == (3,)
    assert batch.maps["depth"][:, 0, 0, 0, 0].tolist() == [1.0, 2.0, 2.0]
    with pytest.raises(ConditioningError, match="different branches"):
        Controls.stack([controls(), controls().select(["depth"])])
    with pytest.raises(ConditioningError, match="different sizes"):
        Controls.stack([controls(), controls(width=8)])
    with pytest.raises(ConditioningError, match="empty"):
        Controls.stack([])


def test_to_moves_every_tensor():
    original = controls()
    moved = original.to("meta")  # a device other than the CPU every machine has: shapes and dtypes, no data
    assert moved.names == original.names
    for name in original.names:
        for before, after in ((original.maps[name], moved.maps[name]), (original.present[name], moved.present[name])):
            assert after.device.type == "meta" and after.shape == before.shape and after.dtype == before.dtype
            assert before.device.type == "cpu"  # a copy: the original stays where it was


def test_inconsistent_controls_are_refused():
    good = controls()
    with pytest.raises(ConditioningError, match="presence"):
        Controls(good.maps, {"depth": good.present["depth"]})
    with pytest.raises(ConditioningError, match=r"\[B, 3, T, H, W\]"):
        Controls({"flow": torch.zeros(1, 2, 2, 4, 6)}, {"flow": torch.ones(1, dtype=torch.bool)})
    with pytest.raises(ConditioningError, match="unknown control branch"):
        Controls({"normals": torch.zeros(1, 3, 2, 4, 6)}, {"normals": torch.ones(1, dtype=torch.bool)})
    with pytest.raises(ConditioningError, match="bool"):
        Controls({"depth": torch.zeros(1, 1, 2, 4, 6)}, {"depth": torch.ones(1)})
    with pytest.raises(ConditioningError, match="disagree"):
        Controls({"depth": torch.zeros(1, 1, 2, 4, 6), "segmentation": torch.zeros(1, 1, 3, 4, 6)},
                 {"depth": torch.ones(1, dtype=torch.bool), "segmentation": torch.ones(1, dtype=torch.bool)})
