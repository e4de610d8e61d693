"""Shared helpers for the generator, checkpoint and training tests: tiny configs and moving-square batches."""

import torch

from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from dit.synthetic import MovingSquares
from dit.train import collate

BRANCHES = ("depth", "flow", "segmentation")


def squares(n: int = 8, frames: int = 4, size: int = 16, seed: int = 0, controls=BRANCHES, **fields) -> MovingSquares:
    return MovingSquares(n, frames=frames, height=size, width=size, seed=seed, square_size=(3, 5), speed=(1, 2),
                         controls=controls, background="random", **fields)


def tiny_config(controls=BRANCHES, **fields) -> GeneratorConfig:
    data = squares(controls=controls)
    dit = preset("tiny", control_branches=controls)
    return GeneratorConfig.from_captions(data.captions() + ["a purple thing"], dit, text_depth=1, text_heads=2,
                                         max_length=32, **fields)


def tiny_generator(seed: int = 0, **fields) -> VideoGenerator:
    torch.manual_seed(seed)
    return VideoGenerator(tiny_config(**fields))


def batch_of(data: MovingSquares, indices) -> dict:
    return collate([data[i] for i in indices])


def trained_like(generator: VideoGenerator, seed: int = 0) -> VideoGenerator:
    """Perturb every weight (zero projections and gates included) so that text and every branch matter."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in generator.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape, generator=g))
    return generator
