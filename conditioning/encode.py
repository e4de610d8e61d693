"""`Frames -> Controls`: depth, flow, segmentation and ground-uv maps normalised for the model and resized to its
grid."""

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from conditioning.controls import BRANCHES, Controls
from conditioning.errors import ConditioningError

if TYPE_CHECKING:  # types only: importing sim at run time would load the renderer
    from sim.frames import Frames


def encode_controls(frames: "Frames", size: tuple[int, int] | None = None,
                    branches: tuple[str, ...] | list[str] = BRANCHES) -> Controls:
    """A batch of one: the `branches` of `frames`, at `size` = (width, height) (the frames' own size if None).

    Smooth maps (depth, flow) are resized with antialiased bilinear filtering, which averages when shrinking;
    discrete ones (segmentation ids, the flow's valid mask) with nearest-exact, so ids stay exact integers.
    """
    unknown = [name for name in branches if name not in BRANCHES]
    if unknown:
        raise ConditioningError(f"unknown control branch {', '.join(map(repr, unknown))}; "
                                f"the branches are {', '.join(BRANCHES)}")
    width, height = frames.size if size is None else size
    if width < 1 or height < 1:
        raise ConditioningError(f"control size must be positive (width, height), got {size}")
    grid = (height, width)
    maps = {}
    if "depth" in branches:
        maps["depth"] = _resize(inverse_depth(frames.depth), grid, "bilinear")
    if "flow" in branches:
        maps["flow"] = _resize_flow(normalised_flow(frames.flow, frames.valid_flow), grid)
    if "segmentation" in branches:
        ids = torch.from_numpy(frames.segmentation.astype(np.float32))[:, None]  # [T, 1, H, W]
        maps["segmentation"] = _resize(ids, grid, "nearest")
    if "uv" in branches:
        maps["uv"] = _resize(periodic_uv(frames), grid, "bilinear")
    return Controls({name: m.permute(1, 0, 2, 3).unsqueeze(0) for name, m in maps.items()},  # [1, C, T, H, W]
                    {name: torch.ones(1, dtype=torch.bool) for name in maps})


def inverse_depth(depth: np.ndarray) -> Tensor:
    """Planar depth [T, H, W] (0 = no surface) -> [T, 1, H, W] inverse depth scaled to [0, 1] over the clip.

    1 at the nearest surface in the clip, 0 at the farthest and where there is no surface (infinitely far, as
    in normalised disparity maps); a clip at one depth everywhere is 1 on its surfaces.
    """
    depth = depth.astype(np.float64)
    surface = depth > 0
    inverse = np.divide(1.0, depth, out=np.zeros_like(depth), where=surface)
    if surface.any():
        low, high = inverse[surface].min(), inverse[surface].max()  # 1 / far, 1 / near
        scaled = (inverse - low) / (high - low) if high > low else np.ones_like(inverse)
        inverse = np.where(surface, scaled, 0.0)
    return torch.from_numpy(inverse.astype(np.float32))[:, None]


def periodic_uv(frames: "Frames") -> Tensor:
    """[T, 4, H, W]: where the ground is seen, the phase of its texture there; 0 on the sky and on bodies.

    (sin 2 pi u, cos 2 pi u, sin 2 pi v, cos 2 pi v) of the ground's texture coordinates (`Frames.ground_uv`):
    what a checker's or grid's phase needs and depth cannot give, since every tile of a plane has the same
    depth profile (deferred neural rendering reads UV maps for the same reason). Periodic, so it is bounded
    and the same wherever a tile repeats.
    """
    phase = 2 * np.pi * frames.ground_uv()  # [T, H, W, 2], NaN off the ground
    features = np.stack([np.sin(phase[..., 0]), np.cos(phase[..., 0]), np.sin(phase[..., 1]),
                         np.cos(phase[..., 1])], axis=1)  # [T, 4, H, W]
    return torch.from_numpy(np.nan_to_num(features, nan=0.0).astype(np.float32))


def normalised_flow(flow: np.ndarray, valid: np.ndarray) -> Tensor:
    """Flow [T, H, W, 2] in pixels and valid [T, H, W] -> [T, 3, H, W]: (dx / W, dy / H) clipped to [-1, 1]
    and valid as 1 / 0; the flow is 0 where not valid (whatever the renderer left there, NaN included)."""
    height, width = valid.shape[1:]
    flow = torch.from_numpy(flow.astype(np.float32)).permute(0, 3, 1, 2)  # [T, 2, H, W]
    flow = (flow / torch.tensor([width, height], dtype=torch.float32).view(1, 2, 1, 1)).clamp(-1, 1)
    mask = torch.from_numpy(valid)[:, None]  # [T, 1, H, W]
    return torch.cat([torch.where(mask, flow, 0.0), mask.float()], dim=1)


def _resize(x: Tensor, grid: tuple[int, int], mode: str) -> Tensor:
    """[T, C, H, W] -> [T, C, height, width], by "bilinear" (antialiased) or "nearest" (nearest-exact)."""
    if tuple(x.shape[-2:]) == grid:
        return x
    if mode == "nearest":
        return F.interpolate(x, size=grid, mode="nearest-exact")
    return F.interpolate(x, size=grid, mode="bilinear", antialias=True, align_corners=False)


def _resize_flow(flow: Tensor, grid: tuple[int, int]) -> Tensor:
    """Resize [T, 3, H, W] normalised flow + valid.

    Flow divided by the image size needs no rescaling: a displacement of dx pixels at width W is dx * w / W
    pixels at width w, and (dx * w / W) / w = dx / W. Each output flow is the filter-weighted mean of the valid
    flows under it (normalised convolution), so invalid pixels do not pull it toward 0; valid is resized by
    nearest-exact, and flow is 0 where the resized valid is 0.
    """
    if tuple(flow.shape[-2:]) == grid:
        return flow
    motion, valid = flow[:, :2], flow[:, 2:]
    weight = _resize(valid, grid, "bilinear")  # [T, 1, h, w], the share of valid pixels under the filter
    motion = _resize(motion, grid, "bilinear") / weight.clamp_min(1e-6)
    valid = _resize(valid, grid, "nearest")
    return torch.cat([motion.clamp(-1, 1) * valid, valid], dim=1)
