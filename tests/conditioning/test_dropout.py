"""Per-sample, per-branch control dropout: rates, independence, zeroed maps, seeding."""

import pytest
import torch

from conditioning import ConditioningError, Controls, drop_controls


def full_batch(batch: int) -> Controls:
    return Controls(
        maps={"depth": torch.ones(batch, 1, 2, 3, 3), "flow": torch.ones(batch, 3, 2, 3, 3),
              "segmentation": torch.full((batch, 1, 2, 3, 3), 4.0)},
        present={name: torch.ones(batch, dtype=torch.bool) for name in ("depth", "flow", "segmentation")})


def test_each_branch_is_dropped_at_its_rate_independently_per_sample():
    dropped = drop_controls(full_batch(20_000), {"depth": 0.1, "flow": 0.5}, torch.Generator().manual_seed(0))
    kept = {name: p.float() for name, p in dropped.present.items()}
    assert kept["depth"].mean().item() == pytest.approx(0.9, abs=0.01)
    assert kept["flow"].mean().item() == pytest.approx(0.5, abs=0.015)
    assert kept["segmentation"].mean().item() == 1.0  # not named: never dropped
    both = (kept["depth"] * kept["flow"]).mean().item()
    assert both == pytest.approx(0.9 * 0.5, abs=0.015)  # independent branches


def test_dropped_branches_have_zero_maps_and_kept_ones_are_unchanged():
    dropped = drop_controls(full_batch(64), {"depth": 0.5, "segmentation": 0.5}, torch.Generator().manual_seed(1))
    for name in ("depth", "segmentation"):
        present, maps = dropped.present[name], dropped.maps[name]
        assert 0 < present.sum() < 64
        assert (maps[~present] == 0).all()
        assert torch.equal(maps[present], full_batch(64).maps[name][present])


def test_already_absent_branches_stay_absent_and_probability_one_drops_all():
    controls = full_batch(8)
    controls.present["flow"][:4] = False
    dropped = drop_controls(controls, {"flow": 0.0, "depth": 1.0}, torch.Generator().manual_seed(2))
    assert dropped.present["flow"].tolist() == [False] * 4 + [True] * 4
    assert not dropped.present["depth"].any() and (dropped.maps["depth"] == 0).all()


def test_dropout_is_deterministic_for_a_seed():
    probabilities = {"depth": 0.3, "flow": 0.3, "segmentation": 0.3}
    first, again, other = (drop_controls(full_batch(32), probabilities, torch.Generator().manual_seed(seed))
                           for seed in (5, 5, 6))
    assert all(torch.equal(first.present[name], again.present[name]) for name in probabilities)
    assert any(not torch.equal(first.present[name], other.present[name]) for name in probabilities)


def test_unknown_branches_and_bad_probabilities_are_refused():
    with pytest.raises(ConditioningError, match="normals"):
        drop_controls(full_batch(2), {"normals": 0.5}, torch.Generator())
    with pytest.raises(ConditioningError, match=r"\[0, 1\]"):
        drop_controls(full_batch(2), {"depth": 1.5}, torch.Generator())
