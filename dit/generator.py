"""`VideoGenerator`: the small text encoder and the `VideoDiT`, trained together; loss and sampler over batches.

A batch is a dict (what `dit.train.collate` builds from dataset items):

    "video":        float [B, 3, T, H, W] in [-1, 1]
    "caption":      list[str] of B captions
    "controls":     {branch: float [B, C_k, T, H, W]}  (optional; branches the model lacks are ignored)
    "control_mask": {branch: bool [B]}                  (optional; a missing entry means every sample has it)
    "instance_text": list of B lists of str             (optional; what segmentation ids 0, 1, ... look like)
    "light":        float [B, light_features] or B rows (optional; `conditioning.scene.light_features`)

"No text" is the empty caption (the tokenizer's lone <cls>), "no control" is a branch masked False with zero
maps. Training drops each independently, so the sampler can guide on text and on controls separately.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal, Self

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator
from torch import Tensor, nn

from dit.config import MAX_DEPTH, Config, DiTConfig
from dit.errors import DiTError
from dit.flow_matching import Guidance, flow_matching_loss
from dit.flow_matching import sample as sample_flow
from dit.model import VideoDiT
from dit.text import SmallTextEncoder, TextEmbedding, TextEncoderConfig, Tokenizer

DEFAULT_DROPOUT = 0.1
DATA_MIN_TIME = 0.05  # "data" prediction: the velocity divides by t, at least this (as JiT clips it)
MAX_TEXT_TOKENS = 4096  # the text encoder's max_length: one learned position each

Probability = Annotated[float, Field(ge=0, le=1)]
Prediction = Literal["velocity", "data"]


class GeneratorConfig(Config):
    """Everything needed to rebuild a `VideoGenerator`, JSON-safe (the tokenizer vocabulary included)."""

    dit: DiTConfig
    text: TextEncoderConfig  # text.dim must equal dit.text_dim, text.vocab_size len(vocabulary)
    vocabulary: list[str]  # the tokenizer's, specials first (see `dit.text.Tokenizer`)
    text_dropout: Probability = DEFAULT_DROPOUT  # training: probability that a sample's caption becomes ""
    # training: per branch, probability that a sample's control is dropped; None = DEFAULT_DROPOUT for every
    # branch of `dit`; a branch left out of a given dict is never dropped
    control_dropout: dict[str, Probability] | None = None
    time_mean: float = 0.0  # logit-normal training times: sigmoid(N(time_mean, time_std^2))
    time_std: float = Field(1.0, gt=0)
    # what the DiT's output means: "velocity" (noise - x_0) or "data" (x_0, turned into the velocity
    # (x_t - x_0) / max(t, DATA_MIN_TIME)). Predicting the clean video lets the analytic x_t / t term carry the
    # noise, which a small pixel-space model otherwise has to copy through every block (JiT, Li & He 2025).
    prediction: Prediction = "velocity"

    @model_validator(mode="after")
    def _parts_agree(self) -> Self:
        Tokenizer(self.vocabulary)  # raises on a malformed vocabulary
        text = self.text
        if text.vocab_size != len(self.vocabulary):
            raise ValueError(f"text.vocab_size {text.vocab_size} is not the vocabulary's size {len(self.vocabulary)}")
        if text.dim != self.dit.text_dim:
            raise ValueError(f"the text encoder's width text.dim = {text.dim} must equal dit.text_dim = "
                             f"{self.dit.text_dim}")
        # TextEncoderConfig (a plain dataclass) declares no bounds, so its architecture is bounded here
        if not (0 <= text.depth <= MAX_DEPTH and 1 <= text.heads <= text.dim and text.dim % text.heads == 0
                and 1 <= text.max_length <= MAX_TEXT_TOKENS):
            raise ValueError(f"the text encoder needs 0 <= depth <= {MAX_DEPTH}, heads dividing dim and "
                             f"1 <= max_length <= {MAX_TEXT_TOKENS}, got {text}")
        if self.control_dropout is None:
            self.control_dropout = {name: DEFAULT_DROPOUT for name in self.dit.control_branches}
        unknown = sorted(set(self.control_dropout) - set(self.dit.control_branches))
        if unknown:
            raise ValueError(f"control_dropout names {unknown}, which are not branches of the DiT "
                             f"{list(self.dit.control_branches)}")
        return self

    @classmethod
    def from_captions(cls, captions: list[str], dit: DiTConfig, *, min_count: int = 1, text_depth: int = 2,
                      text_heads: int = 4, max_length: int = 256, vocabulary: list[str] | None = None,
                      **fields: Any) -> "GeneratorConfig":
        """A config whose tokenizer is built from a caption corpus and whose text encoder is `dit.text_dim` wide.

        `vocabulary` (a model's that the run starts from) replaces the one the captions would build; `fields`
        sets the other fields (text_dropout, control_dropout, time_mean, time_std, prediction).
        """
        tokenizer = Tokenizer(vocabulary) if vocabulary is not None else Tokenizer.build(list(captions),
                                                                                         min_count=min_count)
        text = TextEncoderConfig(vocab_size=len(tokenizer), dim=dit.text_dim, depth=text_depth, heads=text_heads,
                                 max_length=max_length)
        return cls(dit=dit, text=text, vocabulary=tokenizer.vocabulary, **fields)


class VideoGenerator(nn.Module):
    """Captions (+ control maps) -> video: a `SmallTextEncoder` trained jointly with a `VideoDiT`."""

    def __init__(self, config: GeneratorConfig):
        super().__init__()
        self.config = config
        self.tokenizer = Tokenizer(config.vocabulary)
        self.text_encoder = SmallTextEncoder(config.text, self.tokenizer)
        self.dit = VideoDiT(config.dit)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode_text(self, captions: list[str]) -> TextEmbedding:
        if isinstance(captions, str) or not all(isinstance(c, str) for c in captions):
            raise DiTError("captions must be a list of strings, one per video")
        return self.text_encoder.encode(list(captions))

    def encode_instances(self, phrases: list[list[str]] | None) -> Tensor | None:
        """Per sample, the pooled text of each segmentation id's phrase: [B, M, D], M = the most phrases, zero
        where a sample has fewer; None for None."""
        if phrases is None:
            return None
        flat = [phrase for row in phrases for phrase in row]
        width = max((len(row) for row in phrases), default=0)
        out = torch.zeros(len(phrases), max(width, 1), self.config.dit.text_dim, device=self.device,
                          dtype=self.dtype)
        if flat:
            pooled = self.encode_text(flat).pooled  # [sum of lengths, D]
            rows = torch.tensor([b for b, row in enumerate(phrases) for _ in row], device=self.device)
            cols = torch.tensor([k for row in phrases for k in range(len(row))], device=self.device)
            out = out.index_put((rows, cols), pooled.to(out.dtype))
        return out

    def scene_inputs(self, source: dict[str, Any]) -> dict[str, Tensor | None]:
        """The DiT's instance_text and light from a batch (or `sample`'s arguments) that may lack them."""
        light = source.get("light")
        if light is not None and not isinstance(light, Tensor):
            light = torch.stack([torch.as_tensor(row, dtype=torch.float32) for row in light])
        return {"instance_text": self.encode_instances(source.get("instance_text")),
                "light": None if light is None else light.to(device=self.device, dtype=self.dtype)}

    def velocity(self, x_t: Tensor, t: Tensor, captions: list[str], controls: dict[str, Tensor] | None = None,
                 control_mask: dict[str, Tensor] | None = None, control_scales: dict[str, float] | None = None,
                 instance_text: list[list[str]] | None = None, light: Tensor | None = None) -> Tensor:
        """The model's velocity [B, C, T, H, W] at x_t [B, C, T, H, W], times t [B], for B captions."""
        text = self.encode_text(captions)
        if len(captions) != x_t.shape[0]:
            raise DiTError(f"got {len(captions)} captions for a batch of {x_t.shape[0]} videos")
        scene = self.scene_inputs({"instance_text": instance_text, "light": light})
        return self.dit_velocity(x_t, t, text.tokens, text.mask, text.pooled, controls, control_mask,
                                 control_scales, **scene)

    def dit_velocity(self, x_t: Tensor, t: Tensor, *args, **kwargs) -> Tensor:
        """The DiT's output at (x_t, t) as a velocity, whatever `config.prediction` it was trained to make."""
        output = self.dit(x_t, t, *args, **kwargs)
        if self.config.prediction == "velocity":
            return output
        return (x_t - output) / t.clamp_min(DATA_MIN_TIME).view(-1, *([1] * (x_t.dim() - 1))).to(x_t.dtype)

    def forward(self, batch: dict[str, Any], generator: torch.Generator) -> Tensor:
        """The training loss: `forward` so that DistributedDataParallel sees the call."""
        return self.loss(batch, generator)

    def loss(self, batch: dict[str, Any], generator: torch.Generator) -> Tensor:
        """Rectified-flow loss (scalar, float32) of a batch, with caption and per-branch control dropout.

        Draws from `generator`, in this order: one uniform per sample for the caption, one per sample per
        branch (sorted by name) for the controls, then the noise and the times. The same generator state and
        batch give the same loss on any device.
        """
        video = batch["video"].to(self.device)
        batch_size = video.shape[0]
        captions = list(batch["caption"])
        if len(captions) != batch_size:
            raise DiTError(f"a batch has {len(captions)} captions for {batch_size} videos")
        drop_text = _uniform(batch_size, generator) < self.config.text_dropout
        captions = ["" if drop else caption for caption, drop in zip(captions, drop_text.tolist())]
        controls, control_mask = self._dropped_controls(batch, batch_size, generator)
        text = self.encode_text(captions)
        return flow_matching_loss(self.dit_velocity, video, generator, self.config.time_mean, self.config.time_std,
                                  text=text.tokens, text_mask=text.mask, pooled_text=text.pooled,
                                  controls=controls, control_mask=control_mask, **self.scene_inputs(batch))

    def _dropped_controls(self, batch: dict[str, Any], batch_size: int,
                          generator: torch.Generator) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        given_mask = batch.get("control_mask") or {}
        controls, control_mask = {}, {}
        for name in sorted(batch.get("controls") or {}):
            if name not in self.config.dit.control_branches:
                continue
            maps = batch["controls"][name].to(self.device)
            present = given_mask.get(name)
            present = (torch.ones(batch_size, dtype=torch.bool) if present is None
                       else torch.as_tensor(present, dtype=torch.bool))
            keep = _uniform(batch_size, generator) >= self.config.control_dropout.get(name, 0.0)
            present = (present.cpu() & keep).to(self.device)
            controls[name] = maps * present.view(-1, 1, 1, 1, 1).to(maps.dtype)
            control_mask[name] = present
        return controls, control_mask

    @torch.no_grad()
    def sample(self, captions: list[str], controls: dict[str, Tensor] | None = None,
               control_mask: dict[str, Tensor] | None = None, num_frames: int = 8, height: int = 32,
               width: int = 32, steps: int = 25, method: str = "heun", guidance: Guidance = Guidance(),
               generator: torch.Generator | None = None, control_scales: dict[str, float] | None = None,
               instance_text: list[list[str]] | None = None, light: Tensor | None = None,
               known_frames: Tensor | None = None, clamp: bool = True,
               on_step: Callable[[int, int], None] | None = None) -> Tensor:
        """Videos [B, C, num_frames, height, width] (C = dit.in_channels) for B captions, integrated from noise in
        `steps`.

        Classifier-free guidance on text and on controls separately (see `Guidance`): "without text" is the
        empty caption, "without controls" is no branch at all, as training's dropout taught. The noise comes
        from `generator` (seed 0 when None), so a seed gives the same video on any device. `instance_text` and
        `light` describe the scene (see the module docstring); the light is given with and without controls.
        `known_frames` [B, C, K, H, W] fixes the first K frames (a rolling window's overlap). `clamp` keeps
        pixels in [-1, 1]; a latent model's samples are not pixels and are returned as they are. `on_step(done,
        steps)` is called before each sampler step.
        """
        batch_size = len(captions)
        generator = torch.Generator().manual_seed(0) if generator is None else generator
        device, dtype = self.device, self.dtype
        with_text = self.encode_text(captions)
        without_text = self.encode_text([""] * batch_size)
        controls = {name: c.to(device=device, dtype=dtype) for name, c in (controls or {}).items()}
        control_mask = {name: m.to(device) for name, m in (control_mask or {}).items()} or None
        scene = self.scene_inputs({"instance_text": instance_text, "light": light})

        def velocity(x: Tensor, t: Tensor, conditions: list[tuple[bool, bool]]) -> list[Tensor]:
            """One batched DiT call for every (use_text, use_controls) condition: "without controls" rows have
            every branch masked off, which adds exactly nothing, as when no branch is given."""
            texts = [with_text if use_text else without_text for use_text, _ in conditions]
            length = max(text.tokens.shape[1] for text in texts)
            tokens = torch.cat([F.pad(text.tokens, (0, 0, 0, length - text.tokens.shape[1])) for text in texts])
            mask = torch.cat([F.pad(text.mask, (0, length - text.mask.shape[1])) for text in texts])
            pooled = torch.cat([text.pooled for text in texts])
            rows = len(conditions)
            light = None if scene["light"] is None else scene["light"].repeat(rows, 1)
            branch_args: dict[str, Any] = {}
            if controls and any(use_controls for _, use_controls in conditions):
                uses = torch.tensor([use for _, use in conditions], device=device).repeat_interleave(batch_size)
                given = {name: torch.ones(batch_size, dtype=torch.bool, device=device) for name in controls}
                given.update(control_mask or {})
                instance_text = scene["instance_text"]
                branch_args = dict(
                    controls={name: c.repeat(rows, *([1] * (c.dim() - 1))) for name, c in controls.items()},
                    control_mask={name: m.repeat(rows) & uses for name, m in given.items()},
                    control_scales=control_scales,
                    instance_text=None if instance_text is None else instance_text.repeat(rows, 1, 1))
            v = self.dit_velocity(x.repeat(rows, *([1] * (x.dim() - 1))), t.repeat(rows), tokens, mask, pooled,
                                  light=light, **branch_args)
            return list(v.split(batch_size))

        shape = (batch_size, self.config.dit.in_channels, num_frames, height, width)
        video = sample_flow(velocity, shape, steps, generator, method, guidance, device, dtype, known_frames,
                            on_step)
        return video.clamp(-1, 1) if clamp else video


def _uniform(n: int, generator: torch.Generator) -> Tensor:
    """n uniforms in [0, 1) on the CPU, drawn on the generator's device."""
    return torch.rand(n, generator=generator, device=generator.device).cpu()

