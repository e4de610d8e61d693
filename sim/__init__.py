"""Simulation and rendering: a scene graph becomes a PyBullet `Rollout`, and a rollout becomes `Frames`.

`simulate`, `render` and the camera helpers load PyBullet and OpenGL, so they are imported on first use:
`from sim import SimError` stays light for code that only handles errors or reads files.
"""

from sim.errors import SimError
from sim.frames import Frames
from sim.rollout import Rollout, load_rollout, save_rollout

_LAZY = {"simulate": "sim.simulation", "render": "sim.renderer", "camera_track": "sim.camera",
         "resolution": "sim.camera", "CameraTrack": "sim.camera"}

__all__ = ["CameraTrack", "Frames", "Rollout", "SimError", "camera_track", "load_rollout", "render", "resolution",
           "save_rollout", "simulate"]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
