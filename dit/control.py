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


def control_patch(config: DiTConfig) -> tuple[int, int, int]:
    """The (pt, ph, pw) of control maps that cover one video patch: `control_scale` times wider in space."""
    pt, ph, pw = config.patch_size
    return pt, ph * config.control_scale, pw * config.control_scale


class SegmentationEmbed(nn.Module):
    """Instance ids [B, 1, T, H, W] (any dtype), optionally with per-id text [B, M, text_dim] -> tokens [B, N, D].

    Ids are labels, not magnitudes: each id 0..max_instances has a learned vector (0 = background), ids above
    max_instances share the last one and negative ids count as background. With `instance_text`, id k's pixels
    also get a projection of row k (the pooled text of what body k looks like; ids >= M add nothing), as layout-to-image models bind per-region text (GLIGEN, InstanceDiffusion). The embedded map is
    then patchified.
    """

    def __init__(self, config: DiTConfig):
        super().__init__()
        self.max_instances = config.max_instances
        self.ids = nn.Embedding(config.max_instances + 1, config.segmentation_embed_dim)
        self.instance_text = (nn.Linear(config.text_dim, config.segmentation_embed_dim) if config.instance_text
                              else None)
        self.patch_embed = PatchEmbed3D(config.segmentation_embed_dim, config.hidden_size, control_patch(config))

    def forward(self, ids: torch.Tensor, instance_text: torch.Tensor | None = None) -> torch.Tensor:
        ids = ids[:, 0].round().long().clamp(0, self.max_instances)  # [B, T, H, W]
        maps = self.ids(ids)  # [B, T, H, W, E]
        if self.instance_text is not None and instance_text is not None:
            described = self.instance_text(instance_text)  # [B, M, E]
            described = torch.cat([described, torch.zeros_like(described[:, :1])], dim=1)  # row M: no phrase
            rows = ids.clamp(max=described.shape[1] - 1).flatten(1)  # [B, T*H*W]
            gathered = torch.gather(described, 1, rows[..., None].expand(-1, -1, described.shape[-1]))
            maps = maps + gathered.view(maps.shape)
        return self.patch_embed(rearrange(maps, "b t h w e -> b e t h w"))  # from [B, E, T, H, W]


class ControlBranch(nn.Module):
    """One control signal's branch: embedder, n copied blocks, n zero projections."""

    def __init__(self, name: str, config: DiTConfig):
        super().__init__()
        self.name = name
        if name == "segmentation":
            self.embedder = SegmentationEmbed(config)
        else:
            self.embedder = PatchEmbed3D(config.control_channels[name], config.hidden_size,
                                         control_patch(config))
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
                text_mask: torch.Tensor, grid: tuple[int, int, int],
                instance_text: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Residuals for base depths 0..n-1, each [B, N, D], not yet scaled.

        x [B, N, D]: the base model's patch tokens (positions included); control [B, C_k, T, H, W];
        c [B, D], text [B, L, D] and text_mask [B, L] as given to the base blocks; instance_text
        [B, M, text_dim] (segmentation only): the pooled text of ids 0..M-1.
        """
        embedded = (self.embedder(control, instance_text) if isinstance(self.embedder, SegmentationEmbed)
                    else self.embedder(control))
        h = x + embedded  # [B, N, D]
        residuals = []
        for block, projection in zip(self.blocks, self.zero_projections):
            h = block(h, c, text, text_mask, grid)
            residuals.append(projection(h))
        return residuals
