"""`ControlBranch`: a ControlNet-Transformer branch (PixArt-delta, SD3-ControlNet) for one control signal.

The branch embeds its maps with its own patch embedder, adds them to the base model's patch tokens, runs copies
of the first n base blocks, and after each copy emits a residual through a zero-initialised linear layer. The
base model adds residual i (times the branch's scale) to its stream after its block i. Zero projections make a
fresh branch contribute exactly nothing, so adding controls to a trained model starts from that model.
"""

import torch
from einops import rearrange
from torch import nn

from dit.blocks import DiTBlock
from dit.config import DiTConfig
from dit.embeddings import PatchEmbed3D


class SegmentationEmbed(nn.Module):
    """Instance ids [B, 1, T, H, W] (any dtype) -> tokens [B, N, D].

    Ids are labels, not magnitudes: each id 0..max_instances has a learned vector (0 = background), ids above
    max_instances share the last one and negative ids count as background. The embedded map is then patchified.
    """

    def __init__(self, max_instances: int, embed_dim: int, hidden_size: int, patch_size: tuple[int, int, int]):
        super().__init__()
        self.max_instances = max_instances
        self.ids = nn.Embedding(max_instances + 1, embed_dim)
        self.patch_embed = PatchEmbed3D(embed_dim, hidden_size, patch_size)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids[:, 0].round().long().clamp(0, self.max_instances)  # [B, T, H, W]
        maps = rearrange(self.ids(ids), "b t h w e -> b e t h w")  # [B, E, T, H, W]
        return self.patch_embed(maps)


class ControlBranch(nn.Module):
    """One control signal's branch: embedder, n copied blocks, n zero projections."""

    def __init__(self, name: str, config: DiTConfig):
        super().__init__()
        self.name = name
        if name == "segmentation":
            self.embedder = SegmentationEmbed(config.max_instances, config.segmentation_embed_dim,
                                              config.hidden_size, config.patch_size)
        else:
            self.embedder = PatchEmbed3D(config.control_channels[name], config.hidden_size, config.patch_size)
        self.blocks = nn.ModuleList(
            DiTBlock(config.hidden_size, config.num_heads, config.mlp_ratio, config.attention)
            for _ in range(config.control_depth))
        self.zero_projections = nn.ModuleList(
            nn.Linear(config.hidden_size, config.hidden_size) for _ in range(config.control_depth))

    @torch.no_grad()
    def init_from_base(self, base_blocks: nn.ModuleList) -> None:
        """Copy the weights of the first n base blocks into this branch and zero its output projections."""
        for block, base_block in zip(self.blocks, base_blocks):
            block.load_state_dict(base_block.state_dict())
        for projection in self.zero_projections:
            nn.init.zeros_(projection.weight)
            nn.init.zeros_(projection.bias)

    def forward(self, x: torch.Tensor, control: torch.Tensor, c: torch.Tensor, text: torch.Tensor,
                text_mask: torch.Tensor, grid: tuple[int, int, int]) -> list[torch.Tensor]:
        """Residuals for base depths 0..n-1, each [B, N, D], not yet scaled.

        x [B, N, D]: the base model's patch tokens (positions included); control [B, C_k, T, H, W];
        c [B, D], text [B, L, D] and text_mask [B, L] as given to the base blocks.
        """
        h = x + self.embedder(control)  # [B, N, D]
        residuals = []
        for block, projection in zip(self.blocks, self.zero_projections):
            h = block(h, c, text, text_mask, grid)
            residuals.append(projection(h))
        return residuals
