"""The video DiT: text encoder, VideoDiT with control branches, rectified flow, training and checkpoints.

It sees tensors and text only; nothing here imports scenes, sim, conditioning or hybrid.
"""

from dit.checkpoint import export_generator, load_generator, save_generator
from dit.config import DiTConfig, preset
from dit.errors import DiTError
from dit.flow_matching import Guidance
from dit.generator import GeneratorConfig, VideoGenerator
from dit.model import VideoDiT

__all__ = ["DiTConfig", "DiTError", "GeneratorConfig", "Guidance", "VideoDiT", "VideoGenerator", "export_generator",
           "load_generator", "preset", "save_generator"]
