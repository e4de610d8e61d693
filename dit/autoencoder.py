"""The video autoencoder: video `[B, 3, T, H, W]` in [-1, 1] <-> latents `[B, 16, T, H / 8, W / 8]`.

A DiT denoises `latents * scaling_factor` (diffusers' AutoencoderKL convention) and the decoder makes the pixels.
Every frame is encoded alone by 2D convolutions, the frames folded into the batch: no temporal compression, so
the first frame needs no special case (a causal 3D autoencoder encodes it alone anyway) and a 256x256 clip of
16 frames decodes in about a second on 2 CPU cores (benchmarks/autoencoder.py), which 3D convolutions would not.
It is deterministic (no sampling); training keeps the latents small with a light L2 penalty instead of a KL term.

`VideoAutoencoder` is the small interface the rest of kinema uses, so a pretrained autoencoder a user has
locally can stand in for this one. A model folder is `model.safetensors` + `config.json` (format, dtype,
`AutoencoderConfig` with the scaling factor, the weights' size and SHA-256), read without pickle.
"""

import os
from pathlib import Path
from typing import Annotated, Any, Protocol, Self, runtime_checkable

import torch
import torch.nn.functional as F
from einops import rearrange, reduce, repeat
from pydantic import Field, model_validator
from torch import Tensor, nn

from dit.checkpoint import (
    _check_file_record, _check_format, _check_state, _file_record, _json_bytes, _model_destination, _one_line,
    _read_json, _read_tensors, _tensor_bytes,
)
from dit.config import MAX_CHANNELS, Config
from dit.errors import DiTError
from fileio import folder_written_atomically

FORMAT = "kinema-video-autoencoder"
FORMAT_VERSION = 1
MODEL_FILE, CONFIG_FILE = "model.safetensors", "config.json"
DOWNSAMPLE = 8  # each spatial side: three halvings, one per level below full resolution
MAX_LATENT_CHANNELS = 16
DTYPES = {"float32": torch.float32, "float16": torch.float16}

Width = Annotated[int, Field(ge=1, le=1024)]
Blocks = Annotated[int, Field(ge=0, le=16)]


@runtime_checkable
class VideoAutoencoder(Protocol):
    """What kinema needs of a video autoencoder; a pretrained one a user has locally can implement it too."""

    scaling_factor: float  # a DiT denoises latents * scaling_factor (about unit variance)

    def encode(self, video: Tensor) -> Tensor:
        """Video [B, 3, T, H, W] in [-1, 1] -> latents [B, C, T', h, w] (the shape `latent_shape` gives)."""

    def decode(self, latents: Tensor) -> Tensor:
        """Latents [B, C, T', h, w] -> video [B, 3, T, H, W] in [-1, 1]."""

    def latent_shape(self, frames: int, height: int, width: int) -> tuple[int, int, int, int]:
        """(C, T', h, w) of the latents of a video of `frames` frames of height x width pixels."""


class AutoencoderConfig(Config):
    """Every architectural choice of `FrameAutoencoder`, plus the latent scale measured after training.

    Levels run from full resolution (0) to 1/8 (3); `channels[i]` is the width at level i. The decoder is what
    must be fast (a video is encoded once for training but decoded at every generation), so its cost decides
    the widths: each level's 3x3 convolutions cost about the same when the width halves as the side doubles.
    """

    in_channels: int = Field(3, ge=1, le=MAX_CHANNELS)
    latent_channels: int = Field(16, ge=1, le=MAX_LATENT_CHANNELS)
    channels: tuple[Width, Width, Width, Width] = (16, 32, 64, 128)
    # residual blocks per level; none at full resolution, where they cost most per parameter: on 2 CPU cores a
    # block of 16 channels at 256x256 costs as much time as one of 128 at 32x32, with 1/64 of its weights
    encoder_blocks: tuple[Blocks, Blocks, Blocks, Blocks] = (0, 1, 1, 2)
    decoder_blocks: tuple[Blocks, Blocks, Blocks, Blocks] = (0, 1, 2, 2)
    # 1 / std of the latents of training frames, measured at the end of training (1 before)
    scaling_factor: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _shortcuts_fit(self) -> Self:
        """The parameter-free shortcuts (`space_to_channels`) need these width ratios."""
        pairs = zip(self.channels, self.channels[1:])
        if any(wider not in (narrow, 2 * narrow, 4 * narrow) for narrow, wider in pairs):
            raise ValueError(f"each level of channels must be 1, 2 or 4 times as wide as the one before it (its "
                             f"shortcut stacks the pixels of 2x2 patches), got {list(self.channels)}")
        if self.channels[-1] % self.latent_channels:
            raise ValueError(f"channels[3] ({self.channels[-1]}) must be a multiple of latent_channels "
                             f"({self.latent_channels})")
        return self


class ResidualBlock(nn.Module):
    """x + conv(silu(conv(silu(x)))): 3x3 convolutions at one width, no normalisation (a video's frames stay
    independent of each other and of the batch); the second convolution starts at zero, so a block starts as
    the identity and a deep stack trains stably without normalisation layers."""

    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv2(F.silu(self.conv1(F.silu(x))))


# A 2x2 patch of C channels holds 4C values; a level's shortcut keeps 4C / (its width ratio) of them as channels:
# the pattern of the channel axis for a ratio (next level's width / this one's) of 1, 2 or 4.
PATCH_CHANNELS = {1: "c", 2: "(c i)", 4: "(c i j)"}


def space_to_channels(x: Tensor, channels: int) -> Tensor:
    """[N, C, H, W] -> [N, channels, H / 2, W / 2], no parameters: each 2x2 patch's pixels stacked as channels
    (averaged where `channels` < 4C). With `channels_to_space`, the shortcut of every change of resolution (DC-AE's
    residual autoencoding, Chen et al. 2024): the convolutions learn a residual over a plain rearrangement of the
    pixels, which trains several times faster from scratch. Computed on the channels-last layout it keeps."""
    pattern = PATCH_CHANNELS[channels // x.shape[1]]
    patches = reduce(x.permute(0, 2, 3, 1), f"n (h i) (w j) c -> n h w {pattern}", "mean", i=2, j=2)
    return patches.permute(0, 3, 1, 2)


def channels_to_space(x: Tensor, channels: int) -> Tensor:
    """[N, C, h, w] -> [N, channels, 2h, 2w], no parameters: the inverse of `space_to_channels` (values repeated
    where it averaged)."""
    pattern = PATCH_CHANNELS[x.shape[1] // channels]
    return repeat(x.permute(0, 2, 3, 1), f"n h w {pattern} -> n (h i) (w j) c", i=2, j=2).permute(0, 3, 1, 2)


def channel_groups(x: Tensor, channels: int) -> Tensor:
    """[N, C, h, w] -> [N, channels, h, w]: the mean of each group of C / channels channels, or each channel
    repeated channels / C times: the shortcut between the latents and the widest level."""
    pixels = x.permute(0, 2, 3, 1)
    if channels < x.shape[1]:
        return reduce(pixels, "n h w (c g) -> n h w c", "mean", c=channels).permute(0, 3, 1, 2)
    return repeat(pixels, "n h w c -> n h w (c g)", g=channels // x.shape[1]).permute(0, 3, 1, 2)


class Encoder(nn.Module):
    """Frames [N, 3, H, W] -> latents [N, C, H / 8, W / 8]: residual blocks per level; each halving is a stride-2
    convolution plus the `space_to_channels` shortcut, the latents a convolution plus `channel_groups`."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        widths = config.channels
        self.conv_in = nn.Conv2d(config.in_channels, widths[0], 3, padding=1)
        self.levels = nn.ModuleList(nn.Sequential(*(ResidualBlock(width) for _ in range(count)))
                                    for width, count in zip(widths, config.encoder_blocks))
        self.down = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(3))
        self.conv_out = nn.Conv2d(widths[-1], config.latent_channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv_in(x)  # [N, channels[0], H, W]
        for level, down in zip(self.levels, [*self.down, None]):
            x = level(x)
            if down is not None:
                x = down(F.silu(x)) + space_to_channels(x, down.out_channels)  # [N, wider, half the side]
        return self.conv_out(F.silu(x)) + channel_groups(x, self.conv_out.out_channels)  # [N, C, H / 8, W / 8]


class Decoder(nn.Module):
    """Latents [N, C, h, w] -> frames [N, 3, 8h, 8w]: the encoder's mirror; each doubling is nearest upsampling and
    a convolution (no checkerboard, unlike a transposed convolution) plus the `channels_to_space` shortcut."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        widths = config.channels
        self.conv_in = nn.Conv2d(config.latent_channels, widths[-1], 3, padding=1)
        self.levels = nn.ModuleList(nn.Sequential(*(ResidualBlock(width) for _ in range(count)))
                                    for width, count in reversed(list(zip(widths, config.decoder_blocks))))
        self.up = nn.ModuleList(nn.Conv2d(widths[i + 1], widths[i], 3, padding=1) for i in reversed(range(3)))
        self.conv_out = nn.Conv2d(widths[0], config.in_channels, 3, padding=1)

    def forward(self, z: Tensor) -> Tensor:
        x = self.conv_in(z) + channel_groups(z, self.conv_in.out_channels)  # [N, channels[3], h, w]
        for level, up in zip(self.levels, [*self.up, None]):
            x = level(x)
            if up is not None:
                doubled = F.interpolate(F.silu(x), scale_factor=2.0, mode="nearest")
                x = up(doubled) + channels_to_space(x, up.out_channels)  # [N, narrower, twice the side]
        return self.conv_out(F.silu(x))  # [N, 3, 8h, 8w], not clamped: training sees the raw output


class FrameAutoencoder(nn.Module):
    """kinema's `VideoAutoencoder`: a per-frame convolutional autoencoder, 8x smaller in each spatial side."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        initialise_weights(self)
        # oneDNN's convolutions run 1.3-2x faster on channels-last tensors on the CPU (benchmarks/autoencoder.py)
        self.to(memory_format=torch.channels_last)

    @property
    def scaling_factor(self) -> float:
        """What the latents are multiplied by before a DiT denoises them (1 / their std on training frames)."""
        return self.config.scaling_factor

    def latent_shape(self, frames: int, height: int, width: int) -> tuple[int, int, int, int]:
        """(16, T, H / 8, W / 8); DiTError unless H and W are positive multiples of 8."""
        for name, side in (("height", height), ("width", width)):
            if side < DOWNSAMPLE or side % DOWNSAMPLE:
                raise DiTError(f"the autoencoder needs a {name} that is a multiple of {DOWNSAMPLE}, got {side}; "
                               f"crop or resize the video to e.g. {max(DOWNSAMPLE, side // DOWNSAMPLE * DOWNSAMPLE)}")
        if frames < 1:
            raise DiTError(f"a video needs at least one frame, got {frames}")
        return self.config.latent_channels, frames, height // DOWNSAMPLE, width // DOWNSAMPLE

    def encode(self, video: Tensor) -> Tensor:
        """Video [B, 3, T, H, W] in [-1, 1] -> latents [B, 16, T, H / 8, W / 8] (unscaled)."""
        _check_video(video, self.config.in_channels, "video")
        self.latent_shape(*video.shape[2:])
        return self.encode_frames(rearrange(video, "b c t h w -> (b t) c h w"), video.shape[0])

    def decode(self, latents: Tensor) -> Tensor:
        """Latents [B, 16, T, h, w] (unscaled) -> video [B, 3, T, 8h, 8w], clamped to [-1, 1]."""
        _check_video(latents, self.config.latent_channels, "latents")
        batch = latents.shape[0]
        frames = self.decode_frames(rearrange(latents, "b c t h w -> (b t) c h w"))
        return rearrange(frames, "(b t) c h w -> b c t h w", b=batch).clamp(-1.0, 1.0)

    def encode_frames(self, frames: Tensor, batch: int) -> Tensor:
        """Frames [B * T, 3, H, W] -> latents [B, 16, T, H / 8, W / 8]."""
        latents = self.encoder(frames.contiguous(memory_format=torch.channels_last))
        return rearrange(latents, "(b t) c h w -> b c t h w", b=batch).contiguous()

    def decode_frames(self, latents: Tensor) -> Tensor:
        """Latents [N, 16, h, w] -> frames [N, 3, 8h, 8w], unclamped (what training's loss sees)."""
        return self.decoder(latents.contiguous(memory_format=torch.channels_last)).contiguous()

    def forward(self, frames: Tensor) -> tuple[Tensor, Tensor]:
        """Training: frames [N, 3, H, W] -> (reconstruction [N, 3, H, W] unclamped, latents [N, 16, h, w])."""
        latents = self.encoder(frames.contiguous(memory_format=torch.channels_last))
        return self.decoder(latents), latents

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike) -> Self:
        """The autoencoder of a model folder (or a training checkpoint), float32, in eval mode; one DiTError line
        when a file is missing, corrupt or does not match its config."""
        folder = Path(folder)
        if not folder.is_dir():
            raise DiTError(f"no autoencoder at {folder}: a model folder holding {MODEL_FILE} and {CONFIG_FILE} "
                           "is expected")
        config, meta = read_autoencoder_config(folder)
        model = cls(config)
        tensors = _read_tensors(folder / MODEL_FILE, meta["files"][MODEL_FILE], verify=True)
        _check_state(tensors, model, f"{MODEL_FILE} in {folder}")
        with torch.no_grad():
            model.load_state_dict(tensors)
        return model.eval()

    def save_pretrained(self, folder: str | os.PathLike, dtype: torch.dtype = torch.float32,
                        step: int = 0) -> Path:
        """Write the model folder (model.safetensors in `dtype` + config.json) atomically, replacing one there."""
        folder = _model_destination(folder)
        with folder_written_atomically(folder) as tmp:
            write_model_files(tmp, self, step, dtype)
        return folder


def write_model_files(folder: Path, model: FrameAutoencoder, step: int, dtype: torch.dtype) -> None:
    """model.safetensors (weights in `dtype`) and config.json into `folder` (a temporary being built)."""
    names = {value: key for key, value in DTYPES.items()}
    if dtype not in names:
        raise DiTError(f"an autoencoder is stored as one of {sorted(DTYPES)}, got {dtype}")
    blob = _tensor_bytes({name: t.to(dtype) for name, t in model.state_dict().items()})
    (folder / MODEL_FILE).write_bytes(blob)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "step": int(step), "dtype": names[dtype],
            "config": model.config.to_dict(), "files": {MODEL_FILE: _file_record(blob)}}
    (folder / CONFIG_FILE).write_bytes(_json_bytes(meta))


def read_autoencoder_config(folder: Path) -> tuple[AutoencoderConfig, dict[str, Any]]:
    """(AutoencoderConfig, the whole config.json) of a model folder, format, version and file record checked."""
    meta = _read_json(folder / CONFIG_FILE, f"{folder} is not an autoencoder model folder:")
    _check_format(meta, FORMAT, folder / CONFIG_FILE)
    if not isinstance(meta.get("config"), dict) or meta.get("dtype") not in DTYPES:
        raise DiTError(f"{folder / CONFIG_FILE} needs a 'config' object and a 'dtype' among {sorted(DTYPES)}")
    _check_file_record(meta, MODEL_FILE, folder / CONFIG_FILE)
    try:
        return AutoencoderConfig.from_dict(meta["config"]), meta
    except DiTError as error:
        raise DiTError(f"{folder / CONFIG_FILE}: {_one_line(error)}") from None


def initialise_weights(model: FrameAutoencoder) -> None:
    """PyTorch's default (Kaiming-uniform) convolutions, except that each residual block's second convolution
    starts at zero: every block starts as the identity."""
    for module in model.modules():
        if isinstance(module, ResidualBlock):
            nn.init.zeros_(module.conv2.weight)
            nn.init.zeros_(module.conv2.bias)


def _check_video(x: Tensor, channels: int, what: str) -> None:
    if x.dim() != 5 or x.shape[1] != channels:
        raise DiTError(f"{what} must be [B, {channels}, T, H, W], got shape {list(x.shape)}")
