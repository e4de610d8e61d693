"""`DiTConfig`: every architectural choice of `VideoDiT`, JSON-safe, plus named presets.

A checkpoint is safetensors weights plus `config.to_dict()` as JSON; `DiTConfig.from_dict` rebuilds the same
architecture and refuses keys it does not know, so a checkpoint from another version fails loudly.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from dit.errors import DiTError

ATTENTION_KINDS = ("full", "factorised")


@dataclass
class DiTConfig:
    """The defaults are the "small" preset; the shipped CPU model adds a uv branch to it (recipes/default.yaml)."""

    in_channels: int = 3  # video channels (RGB in [-1, 1]); the model predicts a velocity of the same shape
    patch_size: tuple[int, int, int] = (2, 4, 4)  # (pt, ph, pw): one token per pt x ph x pw spacetime patch
    hidden_size: int = 128
    depth: int = 4
    num_heads: int = 4
    mlp_ratio: float = 4.0
    text_dim: int = 128  # width of the text tokens (and of the pooled text vector) the model is given
    attention: str = "factorised"  # "full": all T*H*W tokens; "factorised": spatial per frame, then temporal
    control_branches: tuple[str, ...] = ("depth", "flow", "segmentation")
    # input channels per branch: depth = inverse depth; flow = (dx, dy, valid); segmentation = instance ids
    control_channels: dict[str, int] = field(
        default_factory=lambda: {"depth": 1, "flow": 3, "segmentation": 1})
    control_depth: int = 1  # n: each branch runs copies of the first n base blocks
    max_instances: int = 64  # segmentation ids 0..max_instances get embeddings; larger ids share the last one
    segmentation_embed_dim: int = 16  # channels of the embedded id map the segmentation branch patchifies
    # the segmentation branch adds, per pixel, the pooled text of what its id is ("red rubber ball"), so
    # colours and materials bind to the right body; ids without a phrase get only their id embedding
    instance_text: bool = True
    light_features: int = 4  # width of the scene-lighting vector added to the time embedding; 0 = none

    def __post_init__(self) -> None:
        self.patch_size = tuple(self.patch_size)
        self.control_branches = tuple(self.control_branches)
        self.control_channels = dict(self.control_channels)
        self._validate()

    def _validate(self) -> None:
        positive = {"in_channels": self.in_channels, "hidden_size": self.hidden_size, "depth": self.depth,
                    "num_heads": self.num_heads, "text_dim": self.text_dim, "max_instances": self.max_instances,
                    "segmentation_embed_dim": self.segmentation_embed_dim}
        for name, value in positive.items():
            if not isinstance(value, int) or value < 1:
                raise DiTError(f"DiTConfig.{name} must be a positive integer, got {value!r}")
        if len(self.patch_size) != 3 or not all(isinstance(p, int) and p >= 1 for p in self.patch_size):
            raise DiTError(f"DiTConfig.patch_size must be three positive integers (pt, ph, pw), "
                           f"got {self.patch_size!r}")
        if self.hidden_size % self.num_heads:
            raise DiTError(f"DiTConfig.hidden_size ({self.hidden_size}) must be divisible by num_heads "
                           f"({self.num_heads})")
        if self.hidden_size % 16:
            # the 3D sin-cos position code gives t a quarter and h, w three eighths each, all even
            raise DiTError(f"DiTConfig.hidden_size must be a multiple of 16, got {self.hidden_size}")
        if not isinstance(self.light_features, int) or self.light_features < 0:
            raise DiTError(f"DiTConfig.light_features must be a non-negative integer, got {self.light_features!r}")
        if not self.mlp_ratio > 0:
            raise DiTError(f"DiTConfig.mlp_ratio must be positive, got {self.mlp_ratio!r}")
        if self.attention not in ATTENTION_KINDS:
            raise DiTError(f"DiTConfig.attention must be one of {ATTENTION_KINDS}, got {self.attention!r}")
        if len(set(self.control_branches)) != len(self.control_branches):
            raise DiTError(f"DiTConfig.control_branches has a repeated name: {self.control_branches!r}")
        for name in self.control_branches:
            channels = self.control_channels.get(name)
            if not isinstance(channels, int) or channels < 1:
                raise DiTError(f"DiTConfig.control_channels needs a positive channel count for branch "
                               f"{name!r}, got {channels!r}")
        if "segmentation" in self.control_branches and self.control_channels["segmentation"] != 1:
            raise DiTError("the segmentation branch takes one channel of instance ids, "
                           f"got control_channels['segmentation'] = {self.control_channels['segmentation']}")
        if not isinstance(self.control_depth, int) or not 0 <= self.control_depth <= self.depth:
            raise DiTError(f"DiTConfig.control_depth must be between 0 and depth ({self.depth}), "
                           f"got {self.control_depth!r}")
        if self.control_branches and self.control_depth == 0:
            raise DiTError("DiTConfig.control_depth must be at least 1 when there are control branches")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: tuples become lists."""
        data = dataclasses.asdict(self)
        data["patch_size"] = list(self.patch_size)
        data["control_branches"] = list(self.control_branches)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DiTConfig":
        reject_unknown_keys(cls, data)
        return cls(**data)


def reject_unknown_keys(cls: type, data: dict[str, Any]) -> None:
    """A config read from JSON may only hold the dataclass's fields: anything else is a mismatched file."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DiTError(f"unknown {cls.__name__} keys {unknown}; known keys are {sorted(known)}")


# Parameter counts (all three branches included) are pinned by tests/dit/test_model.py.
PRESETS: dict[str, dict[str, Any]] = {
    # tests: a 8x32x32 clip runs in milliseconds on a CPU
    "tiny": dict(patch_size=(1, 4, 4), hidden_size=64, depth=2, num_heads=2, text_dim=64, control_depth=1,
                 attention="full"),
    # the shipped CPU model: two frames per token and one block per branch keep a training step of 4 clips
    # of 16x64x64 near 2 s on 2 CPU cores; stored as fp16 safetensors well under 16 MiB
    "small": dict(patch_size=(2, 4, 4), hidden_size=128, depth=4, num_heads=4, text_dim=128, control_depth=1,
                  attention="factorised"),
    # GPU models with DiT-B and DiT-L widths; each branch copies a third of the blocks, so three branches
    # together are as large as the base model
    "base": dict(patch_size=(1, 4, 4), hidden_size=768, depth=12, num_heads=12, text_dim=768, control_depth=4,
                 attention="factorised"),
    "large": dict(patch_size=(1, 4, 4), hidden_size=1024, depth=24, num_heads=16, text_dim=1024,
                  control_depth=8, attention="factorised"),
}


def preset(name: str, **overrides: Any) -> DiTConfig:
    """A named preset with some fields replaced, e.g. `preset("small", control_branches=("depth",))`."""
    if name not in PRESETS:
        raise DiTError(f"unknown DiT preset {name!r}; choose one of {sorted(PRESETS)}")
    return DiTConfig.from_dict({**PRESETS[name], **overrides})
