"""`Controls`: the control maps a video DiT is steered by, per branch, with which samples have each."""

from dataclasses import dataclass

import torch
from torch import Tensor

from conditioning.errors import ConditioningError

CHANNELS = {"depth": 1, "flow": 3, "segmentation": 1, "uv": 4}  # branch name -> channels of its maps
BRANCHES = tuple(CHANNELS)


@dataclass(frozen=True, eq=False)
class Controls:
    """Per-branch maps and presence for a batch; pass `maps` and `present` to the model as controls/control_mask.

    depth [B, 1, T, H, W]: inverse depth in [0, 1] over the clip's near/far, 0 = no surface.
    flow [B, 3, T, H, W]: (dx / W, dy / H) in [-1, 1] and the valid mask (1 / 0); flow is 0 where not valid.
    segmentation [B, 1, T, H, W]: instance ids as floats (0 = background, k = k-th body in graph order).
    uv [B, 4, T, H, W]: the ground's texture coordinates (u, v) = world (x, y) / texture period, as
    (sin 2 pi u, cos 2 pi u, sin 2 pi v, cos 2 pi v); 0 off the ground (sky and bodies).
    A sample whose branch is absent (`present` False) has zero maps for that branch.
    """

    maps: dict[str, Tensor]  # branch name -> [B, C_k, T, H, W] float
    present: dict[str, Tensor]  # branch name -> [B] bool

    def __post_init__(self):
        if set(self.maps) != set(self.present):
            raise ConditioningError(f"controls have maps for {sorted(self.maps)} but presence for "
                                    f"{sorted(self.present)}; give both for every branch")
        shapes = set()
        for name, tensor in self.maps.items():
            if name not in CHANNELS:
                raise ConditioningError(f"unknown control branch {name!r}; the branches are {', '.join(BRANCHES)}")
            if tensor.dim() != 5 or tensor.shape[1] != CHANNELS[name]:
                raise ConditioningError(f"{name} maps must be [B, {CHANNELS[name]}, T, H, W], got "
                                        f"{list(tensor.shape)}")
            if self.present[name].dtype != torch.bool or self.present[name].shape != tensor.shape[:1]:
                raise ConditioningError(f"{name} presence must be a bool tensor [B] with B = {tensor.shape[0]}")
            shapes.add((tensor.shape[0], *tensor.shape[2:]))
        if len(shapes) > 1:
            raise ConditioningError(f"control branches disagree on [B, T, H, W]: {sorted(shapes)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.maps)

    def to(self, device: torch.device | str) -> "Controls":
        return Controls({name: m.to(device) for name, m in self.maps.items()},
                        {name: p.to(device) for name, p in self.present.items()})

    def select(self, names: list[str] | tuple[str, ...]) -> "Controls":
        """Only the branches `names` (an ablation's control set); selecting none gives an empty Controls."""
        missing = [name for name in names if name not in self.maps]
        if missing:
            raise ConditioningError(f"controls have no {', '.join(missing)} branch (they have "
                                    f"{', '.join(self.names) or 'none'}); encode it first")
        return Controls({name: self.maps[name] for name in names}, {name: self.present[name] for name in names})

    @staticmethod
    def stack(items: list["Controls"]) -> "Controls":
        """One batch from several, concatenated along B; all must have the same branches, T, H and W."""
        if not items:
            raise ConditioningError("cannot stack an empty list of controls")
        names = items[0].names
        if any(set(item.names) != set(names) for item in items):
            raise ConditioningError(f"cannot stack controls with different branches: "
                                    f"{sorted({tuple(sorted(item.names)) for item in items})}")
        try:
            return Controls({name: torch.cat([item.maps[name] for item in items]) for name in names},
                            {name: torch.cat([item.present[name] for item in items]) for name in names})
        except RuntimeError as error:
            raise ConditioningError(f"cannot stack controls of different sizes: {error}") from None
