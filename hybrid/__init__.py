"""hybrid: the pipeline joining scenes, simulation, conditioning and the video DiT; the `kinema` CLI.

    import hybrid
    pipe = hybrid.Pipeline.from_pretrained()           # the shipped default model
    path = hybrid.generate("a red ball falls onto a blue box", out="video.mp4")
    table = hybrid.ablate("library", seeds=1)          # physics ablation, scored against the simulator
    hybrid.export_controls("a red ball rolls", "controls/", format="vace")   # control videos for Wan-VACE
    wan = hybrid.WanVacePipeline.from_pretrained("Wan2.1-VACE-1.3B-diffusers")  # the wan-vace backend

Loaded lazily, so `kinema parse` does not import torch.
"""

import importlib

_LAZY = {"Pipeline": "hybrid.pipeline", "PipelineOutput": "hybrid.pipeline", "generate": "hybrid.generation",
         "ablate": "hybrid.ablation", "GenerationError": "hybrid.errors",
         "export_controls": "hybrid.control_export", "WanVacePipeline": "hybrid.wan_vace"}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'hybrid' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
