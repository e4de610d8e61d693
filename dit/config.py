"""`DiTConfig`: every architectural choice of `VideoDiT`, JSON-safe, plus named presets; and `Config`, the typed
layer every kinema configuration (DiT, generator, training, recipe) is built on.

A `Config` is a pydantic model: unknown keys are refused, bounds live on the fields, cross-field rules are
validators, non-finite floats are refused, and every failure is one `DiTError` line naming the field, the value
and the rule. A checkpoint is safetensors weights plus `config.to_dict()` as JSON; `DiTConfig.from_dict`
rebuilds the same architecture, so a checkpoint from another version (or a hostile file) fails loudly before
anything is allocated.
"""

import dataclasses
import reprlib
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dit.errors import DiTError

# upper bounds of the architecture: far above any model kinema trains, low enough that a typo or a hostile
# config.json is refused before a tensor is allocated
MAX_WIDTH = 8192  # hidden_size, text_dim
MAX_DEPTH = 128  # transformer blocks
MAX_HEADS = 128
MAX_CHANNELS = 64  # video and control-map channels
MAX_PATCH = 64  # each side of a spacetime patch
MAX_BRANCHES = 16
MAX_INSTANCES = 4096  # segmentation ids with an embedding of their own

_UNKNOWN_KEY = ("extra_forbidden", "unexpected_keyword_argument")  # a model's, a stdlib dataclass's
_OWN_MESSAGE = ("value_error", "assertion_error", "missing")  # the message needs no "got": it says it all


class Config(BaseModel):
    """A JSON-safe configuration: unknown keys refused, non-finite floats refused, errors as one-line DiTErrors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise config_error(type(self), error) from None

    # pydantic calls an overridden __init__ for nested configs too, which would wrap each nested error in its
    # parent's; marked as the base one (as pydantic's RootModel does), it runs only for `Config(...)` calls
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (tuples become lists), in field order: what checkpoints record."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Self:
        """The config a mapping (e.g. parsed JSON or YAML) describes; errors name `source` when given (a file)."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise config_error(cls, error, source) from None


def config_error(model: type, error: ValidationError, source: str | None = None) -> DiTError:
    """pydantic's errors as one line: each names the field (`Model.field`, or `source: field`), the rule and the
    value given; unknown keys are listed with the known ones, so a typo is easy to fix."""

    def where(loc: tuple[str, ...]) -> str:
        return ".".join(loc if source else (model.__name__, *loc))

    unknown: dict[tuple[str, ...], list[str]] = {}
    problems: list[str] = []
    for problem in error.errors(include_url=False):
        loc = tuple(str(key) for key in problem["loc"])
        if problem["type"] in _UNKNOWN_KEY:
            unknown.setdefault(loc[:-1], []).append(loc[-1])
            continue
        rule = problem["msg"].removeprefix("Value error, ")
        if problem["type"] not in _OWN_MESSAGE:
            rule += f" (got {reprlib.repr(problem['input'])})"
        problems.append(f"{where(loc)}: {rule}" if where(loc) else rule)
    for parent, keys in reversed(unknown.items()):  # first: a misspelt key usually explains the rest
        inner = _field_types(model, parent)
        place = f" in {where(parent)}" if parent else ""
        problems.insert(0, f"unknown {inner.__name__} keys {sorted(keys)}{place}; known keys are "
                           f"{sorted(_fields(inner))}")
    return DiTError((f"{source}: " if source else "") + "; ".join(problems))


def _fields(model: type) -> dict[str, Any]:
    """Field name -> type of a pydantic model or a dataclass."""
    if dataclasses.is_dataclass(model):
        return {f.name: f.type for f in dataclasses.fields(model)}
    return {name: f.annotation for name, f in model.model_fields.items()}


def _field_types(model: type, loc: tuple[str, ...]) -> type:
    """The model (or dataclass) found by following field names `loc` down from `model`."""
    for name in loc:
        model = _fields(model)[name]
    return model


Attention = Literal["full", "factorised"]
BranchName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # a module name: no dots, no spaces
Channels = Annotated[int, Field(ge=1, le=MAX_CHANNELS)]
PatchSide = Annotated[int, Field(ge=1, le=MAX_PATCH)]


class DiTConfig(Config):
    """The defaults are the "small" preset; the shipped CPU model adds a uv branch to it (recipes/default.yaml)."""

    # video channels (RGB in [-1, 1]); the model predicts a velocity of the same shape
    in_channels: Channels = 3
    # (pt, ph, pw): one token per pt x ph x pw spacetime patch
    patch_size: tuple[PatchSide, PatchSide, PatchSide] = (2, 4, 4)
    # the 3D sin-cos position code gives t a quarter and h, w three eighths each, all even: a multiple of 16
    hidden_size: int = Field(128, ge=16, le=MAX_WIDTH, multiple_of=16)
    depth: int = Field(4, ge=1, le=MAX_DEPTH)
    num_heads: int = Field(4, ge=1, le=MAX_HEADS)
    mlp_ratio: float = Field(4.0, gt=0, le=16)
    # width of the text tokens (and of the pooled text vector) the model is given
    text_dim: int = Field(128, ge=1, le=MAX_WIDTH)
    # "full": all T*H*W tokens; "factorised": spatial per frame, then temporal
    attention: Attention = "factorised"
    control_branches: tuple[BranchName, ...] = Field(("depth", "flow", "segmentation"), max_length=MAX_BRANCHES)
    # input channels per branch: depth = inverse depth; flow = (dx, dy, valid); segmentation = instance ids
    control_channels: dict[str, Channels] = {"depth": 1, "flow": 3, "segmentation": 1}
    # control maps are this many times the video's height and width, each branch's patch that many times wider:
    # 1 = maps on the video's own grid; a latent model (video 8x smaller than its frames) reads full-resolution
    # maps with 8, or maps downsampled to the latent grid with 1
    control_scale: int = Field(1, ge=1, le=MAX_PATCH)
    # n: each branch runs copies of the first n base blocks
    control_depth: int = Field(1, ge=0, le=MAX_DEPTH)
    # segmentation ids 0..max_instances get embeddings; larger ids share the last one
    max_instances: int = Field(64, ge=1, le=MAX_INSTANCES)
    # channels of the embedded id map the segmentation branch patchifies
    segmentation_embed_dim: int = Field(16, ge=1, le=1024)
    # the segmentation branch adds, per pixel, the pooled text of what its id is ("red rubber ball"), so
    # colours and materials bind to the right body; ids without a phrase get only their id embedding
    instance_text: bool = True
    # width of the scene-lighting vector added to the time embedding; 0 = none
    light_features: int = Field(4, ge=0, le=256)

    @field_validator("control_branches")
    @classmethod
    def _distinct(cls, branches: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(branches)) != len(branches):
            raise ValueError(f"a branch is named twice in {list(branches)}")
        return branches

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be divisible by num_heads ({self.num_heads})")
        missing = [name for name in self.control_branches if name not in self.control_channels]
        if missing:
            raise ValueError(f"control_channels needs a channel count for branches {missing}")
        if "segmentation" in self.control_branches and self.control_channels["segmentation"] != 1:
            raise ValueError("the segmentation branch takes one channel of instance ids, got "
                             f"control_channels['segmentation'] = {self.control_channels['segmentation']}")
        if max(self.patch_size[1:]) * self.control_scale > MAX_PATCH:
            raise ValueError(f"a control patch of {self.patch_size[1]} x {self.patch_size[2]} pixels times "
                             f"control_scale {self.control_scale} exceeds {MAX_PATCH} per side")
        if self.control_depth > self.depth:
            raise ValueError(f"control_depth ({self.control_depth}) must not exceed depth ({self.depth})")
        if self.control_branches and self.control_depth == 0:
            raise ValueError("control_depth must be at least 1 when there are control branches")
        return self


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
    return DiTConfig(**{**PRESETS[name], **overrides})
