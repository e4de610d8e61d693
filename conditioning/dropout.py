"""Per-branch dropout of controls for training, so the model also learns without each one (and for guidance)."""

import torch

from conditioning.controls import Controls
from conditioning.errors import ConditioningError


def drop_controls(controls: Controls, probabilities: dict[str, float], generator: torch.Generator) -> Controls:
    """Drop each branch of each sample independently with its probability (absent branches: never dropped).

    A dropped branch has `present` False and zero maps. One uniform draw per sample per branch of `controls`,
    in sorted branch order, from `generator` (on its own device), so a seed gives the same drops anywhere.
    """
    unknown = [name for name in probabilities if name not in controls.maps]
    if unknown:
        raise ConditioningError(f"dropout names {', '.join(unknown)}, which the controls do not have "
                                f"({', '.join(controls.names) or 'none'})")
    bad = {name: p for name, p in probabilities.items() if not 0 <= p <= 1}
    if bad:
        raise ConditioningError(f"dropout probabilities must lie in [0, 1], got {bad}")
    maps, present = dict(controls.maps), dict(controls.present)
    for name in sorted(controls.maps):
        batch = controls.present[name].shape[0]
        draws = torch.rand(batch, generator=generator, device=generator.device).to(present[name].device)
        keep = draws >= probabilities.get(name, 0.0)  # [B]
        present[name] = present[name] & keep
        maps[name] = maps[name] * keep.view(-1, 1, 1, 1, 1).to(maps[name].dtype)
    return Controls(maps, present)
