"""`VideoDiT`: a diffusion transformer over spacetime patches, steered by text and by control branches.

video [B, C, T, H, W] -> patch tokens + 3D sin-cos positions -> depth x DiTBlock (adaLN-Zero from timestep and
pooled text, cross-attention to text tokens) -> FinalLayer -> velocity [B, C, T, H, W]. Each control branch
(`dit.control.ControlBranch`) adds a scaled residual after each of the first `control_depth` blocks.
"""

import math

import torch
from torch import nn

from dit.blocks import DiTBlock, FinalLayer
from dit.config import DiTConfig
from dit.control import ControlBranch
from dit.embeddings import PatchEmbed3D, PooledTextEmbedder, TimestepEmbedder, sincos_position_3d, unpatchify
from dit.errors import DiTError


class VideoDiT(nn.Module):
    def __init__(self, config: DiTConfig):
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.x_embedder = PatchEmbed3D(config.in_channels, hidden, config.patch_size)
        self.t_embedder = TimestepEmbedder(hidden)
        self.pooled_text_embedder = PooledTextEmbedder(config.text_dim, hidden)
        self.text_proj = nn.Linear(config.text_dim, hidden)
        self.light_embedder = (nn.Sequential(nn.Linear(config.light_features, hidden), nn.SiLU(),
                                             nn.Linear(hidden, hidden)) if config.light_features else None)
        self.blocks = nn.ModuleList(
            DiTBlock(hidden, config.num_heads, config.mlp_ratio, config.attention) for _ in range(config.depth))
        self.final_layer = FinalLayer(hidden, math.prod(config.patch_size), config.in_channels)
        self.control = nn.ModuleDict({name: ControlBranch(name, config) for name in config.control_branches})
        self.initialize_weights()

    @torch.no_grad()
    def initialize_weights(self) -> None:
        # xavier-uniform linears with zero bias, as in DiT; patch embedders are linears on flattened patches
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, PatchEmbed3D):
                weight = module.proj.weight
                nn.init.xavier_uniform_(weight.view(weight.shape[0], -1))
                nn.init.zeros_(module.proj.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        # adaLN-Zero: every gate starts at zero, so every block starts as the identity
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].weight)
        nn.init.zeros_(self.final_layer.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final_layer.linear.weight)
        nn.init.zeros_(self.final_layer.linear.bias)
        self.init_control_from_base()

    @torch.no_grad()
    def init_control_from_base(self) -> None:
        """Copy the first `control_depth` base blocks into every branch and zero the branch projections.

        Called by `initialize_weights`; call it again after loading pretrained base weights into a model whose
        control branches are new (ControlNet's recipe), so the branches start from the trained blocks.
        """
        for branch in self.control.values():
            branch.init_from_base(self.blocks)

    def freeze_base(self) -> None:
        """Train only the control branches: every parameter outside `self.control` stops taking gradients."""
        for name, parameter in self.named_parameters():
            parameter.requires_grad_(name.startswith("control."))

    def num_parameters(self, trainable_only: bool = False) -> int:
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def forward(self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor,
                pooled_text: torch.Tensor, controls: dict[str, torch.Tensor] | None = None,
                control_mask: dict[str, torch.Tensor] | None = None,
                control_scales: dict[str, float] | None = None, instance_text: torch.Tensor | None = None,
                light: torch.Tensor | None = None) -> torch.Tensor:
        """Predicted velocity [B, C, T, H, W] for the noisy video x at diffusion time t.

        x [B, C, T, H, W] with T, H, W multiples of the patch size; t [B] in [0, 1];
        text [B, L, text_dim] tokens with text_mask [B, L] (True = real token, False = padding);
        pooled_text [B, text_dim]; controls {branch: [B, C_k, T, sH, sW]} with s = config.control_scale;
        control_mask {branch: [B] bool};
        control_scales {branch: float}, default 1. A branch absent from `controls`, masked False for a sample
        or scaled 0 adds exactly nothing for that sample. Masked-out control rows must still be finite.
        instance_text [B, M, text_dim]: pooled text of segmentation ids 0..M-1 (read by the segmentation
        branch); light [B, light_features]: the scene's lighting (`conditioning.scene.light_features`).
        """
        grid = self._check_inputs(x, t, text, text_mask, pooled_text, controls, control_mask, control_scales)
        if instance_text is not None and (instance_text.ndim != 3 or instance_text.shape[0] != x.shape[0]
                                          or instance_text.shape[2] != self.config.text_dim):
            raise DiTError(f"instance_text must be [B={x.shape[0]}, M, text_dim={self.config.text_dim}], "
                           f"got {list(instance_text.shape)}")
        pos = sincos_position_3d(*grid, self.config.hidden_size).to(device=x.device, dtype=x.dtype)  # [N, D]
        tokens = self.x_embedder(x) + pos  # [B, N, D], N = t * h * w
        c = self.t_embedder(t) + self.pooled_text_embedder(pooled_text)  # [B, D]
        if light is not None and self.light_embedder is not None:
            _expect_shape("light", light, (x.shape[0], self.config.light_features))
            c = c + self.light_embedder(light.to(c.dtype))
        text_tokens = self.text_proj(text)  # [B, L, D]
        residuals = self._control_residuals(tokens, c, text_tokens, text_mask, grid, controls or {},
                                            control_mask or {}, control_scales or {}, instance_text)
        for i, block in enumerate(self.blocks):
            tokens = block(tokens, c, text_tokens, text_mask, grid)  # [B, N, D]
            if i < len(residuals):
                tokens = tokens + residuals[i]
        patches = self.final_layer(tokens, c)  # [B, N, pt * ph * pw * C]
        return unpatchify(patches, grid, self.config.patch_size, self.config.in_channels)

    def _control_residuals(self, tokens: torch.Tensor, c: torch.Tensor, text: torch.Tensor,
                           text_mask: torch.Tensor, grid: tuple[int, int, int], controls: dict[str, torch.Tensor],
                           control_mask: dict[str, torch.Tensor], control_scales: dict[str, float],
                           instance_text: torch.Tensor | None) -> list[torch.Tensor]:
        """Per base depth, the sum over active branches of scale * mask * residual; [] when none is active."""
        per_branch = []
        for name, branch in self.control.items():
            scale = float(control_scales.get(name, 1.0))
            mask = control_mask.get(name)
            if name not in controls or scale == 0 or (mask is not None and not mask.any()):
                continue  # skipped, not multiplied by zero: an inactive branch costs no compute
            weight = torch.full((tokens.shape[0],), scale, device=tokens.device, dtype=tokens.dtype)  # [B]
            if mask is not None:
                weight = weight * mask.to(tokens.dtype)
            residuals = branch(tokens, controls[name], c, text, text_mask, grid, instance_text)
            per_branch.append([weight[:, None, None] * residual for residual in residuals])
        return [sum(at_depth) for at_depth in zip(*per_branch)]

    def _check_inputs(self, x, t, text, text_mask, pooled_text, controls, control_mask,
                      control_scales) -> tuple[int, int, int]:
        """Raise DiTError naming the first malformed input; return the token grid (t, h, w)."""
        config = self.config
        if x.ndim != 5 or x.shape[1] != config.in_channels:
            raise DiTError(f"x must be [B, {config.in_channels}, T, H, W], got shape {list(x.shape)}")
        batch, _, frames, height, width = x.shape
        pt, ph, pw = config.patch_size
        if frames % pt or height % ph or width % pw:
            raise DiTError(f"video size {frames}x{height}x{width} (T x H x W) must be divisible by the patch "
                           f"size {pt}x{ph}x{pw}")
        _expect_shape("t", t, (batch,))
        if text.ndim != 3 or text.shape[0] != batch or text.shape[1] < 1 or text.shape[2] != config.text_dim:
            raise DiTError(f"text must be [B={batch}, L>=1, text_dim={config.text_dim}], got {list(text.shape)}")
        _expect_shape("text_mask", text_mask, tuple(text.shape[:2]), torch.bool)
        _expect_shape("pooled_text", pooled_text, (batch, config.text_dim))
        for what, given in (("controls", controls), ("control_mask", control_mask),
                            ("control_scales", control_scales)):
            unknown = sorted(set(given or {}) - set(config.control_branches))
            if unknown:
                raise DiTError(f"{what} names {unknown}, which are not branches of this model "
                               f"{list(config.control_branches)}")
        scale = config.control_scale  # control maps are this many times the video's height and width
        for name, control in (controls or {}).items():
            _expect_shape(f"controls[{name!r}]", control,
                          (batch, config.control_channels[name], frames, height * scale, width * scale))
        for name, mask in (control_mask or {}).items():
            _expect_shape(f"control_mask[{name!r}]", mask, (batch,), torch.bool)
        return frames // pt, height // ph, width // pw


def _expect_shape(name: str, tensor: torch.Tensor, shape: tuple[int, ...], dtype: torch.dtype | None = None):
    if tuple(tensor.shape) != shape:
        raise DiTError(f"{name} must have shape {list(shape)}, got {list(tensor.shape)}")
    if dtype is not None and tensor.dtype != dtype:
        raise DiTError(f"{name} must be {dtype}, got {tensor.dtype}")
