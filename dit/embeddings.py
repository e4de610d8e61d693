"""Embedders: spacetime patches, 3D sin-cos positions, diffusion time and pooled text; and unpatchify.

Positions are computed from the token grid on every call rather than stored as a learned table, so one model
takes any duration, resolution and aspect ratio whose sizes are multiples of the patch.
"""

import math

import torch
from einops import rearrange
from torch import nn


class PatchEmbed3D(nn.Module):
    """[B, C, T, H, W] -> [B, N, D] tokens, one per non-overlapping (pt, ph, pw) patch, N = t * h * w."""

    def __init__(self, in_channels: int, hidden_size: int, patch_size: tuple[int, int, int]):
        super().__init__()
        self.proj = nn.Conv3d(in_channels, hidden_size, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)  # [B, D, t, h, w] with t = T / pt, h = H / ph, w = W / pw
        return rearrange(x, "b d t h w -> b (t h w) d")


def unpatchify(tokens: torch.Tensor, grid: tuple[int, int, int], patch_size: tuple[int, int, int],
               channels: int) -> torch.Tensor:
    """[B, N, pt * ph * pw * C] -> [B, C, T, H, W]: the inverse of PatchEmbed3D's token order."""
    pt, ph, pw = patch_size
    t, h, w = grid
    return rearrange(tokens, "b (t h w) (pt ph pw c) -> b c (t pt) (h ph) (w pw)",
                     t=t, h=h, w=w, pt=pt, ph=ph, pw=pw, c=channels)


def sincos_1d(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """[N] positions -> [N, dim] (first half sin, second half cos), frequencies 1 .. 1/10000 as in DiT."""
    omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim // 2))  # [dim/2]
    angles = positions.to(torch.float64)[:, None] * omega[None, :]  # [N, dim/2]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def sincos_position_3d(grid_t: int, grid_h: int, grid_w: int, dim: int) -> torch.Tensor:
    """[t * h * w, dim] float32 position code in the token order of PatchEmbed3D (t slowest, w fastest).

    t gets a quarter of the channels, h and w three eighths each (space varies more than time in a clip);
    dim must be a multiple of 16 so every part has an even width.
    """
    dim_t = dim // 4
    dim_s = (dim - dim_t) // 2
    t, h, w = torch.meshgrid(torch.arange(grid_t), torch.arange(grid_h), torch.arange(grid_w), indexing="ij")
    code = torch.cat([sincos_1d(t.flatten(), dim_t),
                      sincos_1d(h.flatten(), dim_s),
                      sincos_1d(w.flatten(), dim_s)], dim=1)  # [N, dim]
    return code.float()


class TimestepEmbedder(nn.Module):
    """Diffusion time t in [0, 1] -> [B, D]: sinusoids of 1000 t (DiT's frequency range), then an MLP."""

    def __init__(self, hidden_size: int, frequency_size: int = 256):
        super().__init__()
        self.frequency_size = frequency_size
        self.mlp = nn.Sequential(nn.Linear(frequency_size, hidden_size), nn.SiLU(),
                                 nn.Linear(hidden_size, hidden_size))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        half = self.frequency_size // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
        angles = 1000 * t.float()[:, None] * freqs[None, :]  # [B, F/2]
        frequencies = torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)  # [B, F]
        return self.mlp(frequencies.to(self.mlp[0].weight.dtype))


class PooledTextEmbedder(nn.Module):
    """Pooled text vector [B, text_dim] -> [B, D], added to the timestep embedding to drive adaLN."""

    def __init__(self, text_dim: int, hidden_size: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(text_dim, hidden_size), nn.SiLU(), nn.Linear(hidden_size, hidden_size))

    def forward(self, pooled_text: torch.Tensor) -> torch.Tensor:
        return self.mlp(pooled_text)
