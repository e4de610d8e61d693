"""Filming a scene: PyBullet simulates it, the renderer makes its maps. Every backend and the control export
start from the same film, so a model's controls are the same physics whichever model reads them."""

import threading
import time
from dataclasses import dataclass, field

from scenes.graph import SceneGraph
from sim.camera import CameraTrack
from sim.frames import Frames
from sim.rollout import Rollout


_ONE_AT_A_TIME = threading.Lock()  # one film per process at a time: a server's threads share one OpenGL stack


@dataclass
class Film:
    rollout: Rollout  # T + 1 simulated states
    camera: CameraTrack  # the camera of the T frames
    frames: Frames  # T rendered frames: RGB (the ground truth) and every control map
    timings: dict[str, float] = field(default_factory=dict)  # seconds: simulate, render


def film(graph: SceneGraph, num_frames: int, fps: int, width: int, height: int, seed: int,
         progress: bool = False) -> Film:
    """Simulate `num_frames` frames of `graph` at `fps` (`seed` draws any randomness of the simulation) and render
    them at `width` x `height`."""
    from sim import camera_track, render, simulate  # PyBullet and OpenGL load only when a scene is filmed

    with _ONE_AT_A_TIME:
        started = time.perf_counter()
        rollout = simulate(graph, seconds=num_frames / fps, fps=fps, seed=seed, progress=progress)
        simulated = time.perf_counter()
        camera = camera_track(graph, rollout, width, height)
        frames = render(rollout, graph, camera=camera, progress=progress)
    return Film(rollout, camera, frames, {"simulate": simulated - started, "render": time.perf_counter() - simulated})
