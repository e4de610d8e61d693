"""`DiTBlock` (adaLN-Zero self-attention, text cross-attention, MLP) and `FinalLayer`.

Every sub-layer is a residual `x + gate * f(modulate(norm(x), shift, scale))` whose shift, scale and gate come
from the conditioning vector c (timestep + pooled text). The gates start at zero (see
`VideoDiT.initialize_weights`), so a fresh block is the identity.
"""

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x [B, N, D] with per-sample shift, scale [B, D]."""
    return x * (1 + scale[:, None, :]) + shift[:, None, :]


class SelfAttention(nn.Module):
    """Multi-head attention of a token set with itself: [B, N, D] -> [B, N, D]."""

    def __init__(self, hidden_size: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(hidden_size, 3 * hidden_size)
        self.proj = nn.Linear(hidden_size, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = rearrange(self.qkv(x), "b n (three h d) -> three b h n d", three=3, h=self.num_heads)
        out = F.scaled_dot_product_attention(q, k, v)  # [B, heads, N, D / heads]
        return self.proj(rearrange(out, "b h n d -> b n (h d)"))


class CrossAttention(nn.Module):
    """Video tokens [B, N, D] attend to text tokens [B, L, D]; `text_mask` [B, L] is True for real tokens.

    A sample with no real text token (an empty caption) gets zero from this layer instead of the NaN a fully
    masked softmax gives.
    """

    def __init__(self, hidden_size: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.q = nn.Linear(hidden_size, hidden_size)
        self.kv = nn.Linear(hidden_size, 2 * hidden_size)
        self.proj = nn.Linear(hidden_size, hidden_size)

    def forward(self, x: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor) -> torch.Tensor:
        q = rearrange(self.q(x), "b n (h d) -> b h n d", h=self.num_heads)
        k, v = rearrange(self.kv(text), "b l (two h d) -> two b h l d", two=2, h=self.num_heads)
        has_text = text_mask.any(dim=1)  # [B]
        attend = text_mask | ~has_text[:, None]  # [B, L]: an empty caption attends to all, then is zeroed
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attend[:, None, None, :])  # [B, h, N, d]
        out = self.proj(rearrange(out, "b h n d -> b n (h d)"))
        return out * has_text[:, None, None].to(out.dtype)


class Mlp(nn.Module):
    def __init__(self, hidden_size: int, mlp_ratio: float):
        super().__init__()
        inner = int(hidden_size * mlp_ratio)
        self.fc1 = nn.Linear(hidden_size, inner)
        self.fc2 = nn.Linear(inner, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class DiTBlock(nn.Module):
    """One transformer block on tokens [B, N, D], N = t * h * w in (t, h, w) order.

    attention="full": one self-attention over all N tokens.
    attention="factorised": spatial self-attention over the h * w tokens of each frame, then temporal
    self-attention over the t tokens at each spatial location (Latte / STDiT), each with its own adaLN triple.
    """

    def __init__(self, hidden_size: int, num_heads: int, mlp_ratio: float, attention: str):
        super().__init__()
        self.factorised = attention == "factorised"
        self.norm_attn = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.attn = SelfAttention(hidden_size, num_heads)
        if self.factorised:
            self.norm_temporal = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
            self.temporal_attn = SelfAttention(hidden_size, num_heads)
        self.norm_cross = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.cross_attn = CrossAttention(hidden_size, num_heads)
        self.norm_mlp = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(hidden_size, mlp_ratio)
        num_sublayers = 4 if self.factorised else 3
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 3 * num_sublayers * hidden_size))

    def forward(self, x: torch.Tensor, c: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor,
                grid: tuple[int, int, int]) -> torch.Tensor:
        # x [B, N, D], c [B, D], text [B, L, D], text_mask [B, L] bool, grid = (t, h, w) with t * h * w = N
        t, h, w = grid
        # (shift, scale, gate) for attention, cross-attention, MLP and, when factorised, temporal attention
        mods = self.adaLN_modulation(c).chunk(12 if self.factorised else 9, dim=1)  # each [B, D]
        shift, scale, gate = mods[0:3]
        if self.factorised:
            y = rearrange(modulate(self.norm_attn(x), shift, scale), "b (t s) d -> (b t) s d", t=t)
            y = rearrange(self.attn(y), "(b t) s d -> b (t s) d", t=t)
            x = x + gate[:, None, :] * y
            shift, scale, gate = mods[9:12]
            y = rearrange(modulate(self.norm_temporal(x), shift, scale), "b (t s) d -> (b s) t d", t=t)
            y = rearrange(self.temporal_attn(y), "(b s) t d -> b (t s) d", s=h * w)
            x = x + gate[:, None, :] * y
        else:
            x = x + gate[:, None, :] * self.attn(modulate(self.norm_attn(x), shift, scale))
        shift, scale, gate = mods[3:6]
        x = x + gate[:, None, :] * self.cross_attn(modulate(self.norm_cross(x), shift, scale), text, text_mask)
        shift, scale, gate = mods[6:9]
        x = x + gate[:, None, :] * self.mlp(modulate(self.norm_mlp(x), shift, scale))
        return x


class FinalLayer(nn.Module):
    """Tokens [B, N, D] -> patch values [B, N, pt * ph * pw * C] after a last adaLN (shift, scale)."""

    def __init__(self, hidden_size: int, patch_volume: int, out_channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(hidden_size, patch_volume * out_channels)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 2 * hidden_size))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm(x), shift, scale))
