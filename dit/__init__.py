"""The video DiT: video autoencoder, text encoder, VideoDiT with control branches, rectified flow, training and
checkpoints.

It sees tensors and text only; nothing here imports scenes, sim, conditioning or hybrid. Names load on first
use, so `from dit.errors import DiTError` does not import torch.
"""

_LAZY = {
    "AutoencoderConfig": "dit.autoencoder", "FrameAutoencoder": "dit.autoencoder",
    "VideoAutoencoder": "dit.autoencoder",
    "DiTConfig": "dit.config", "preset": "dit.config", "DiTError": "dit.errors", "Guidance": "dit.flow_matching",
    "GeneratorConfig": "dit.generator", "VideoGenerator": "dit.generator", "VideoDiT": "dit.model",
    "export_generator": "dit.checkpoint", "load_generator": "dit.checkpoint", "save_generator": "dit.checkpoint",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'dit' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
