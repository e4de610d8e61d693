"""The camera of a clip: intrinsics, image sizes, and the path that gives one pose and K per frame.

Conventions (OpenGL, as pyrender): the camera looks down its -z with +y up; the world is Z up. Pixel column i
spans x in [i, i + 1), so its centre is at x = i + 0.5 and the principal point of a centred camera is (W/2, H/2).

Paths are linear in time: frame i is at t = i / fps, and the motion covers `amount` over the clip's duration
num_frames / fps, so frame num_frames (the state recorded past the last frame) has the full amount. Frames -1
and num_frames extend the same formula, so flow is defined on every frame.

Directions: "orbit left" moves the camera to its own left around the vertical axis through look_at
(clockwise seen from above), so the scene seems to turn counter-clockwise and content at look_at's depth
slides right in the image. "pan left" turns the camera in place to look more to its left (counter-clockwise
seen from above), so the image content slides right.
"""

import math
from dataclasses import dataclass

import numpy as np

from scenes.geometry import look_at
from scenes.graph import SceneGraph
from sim.errors import SimError
from sim.rollout import Rollout
from sim.transforms import rotate_about_vertical

ASPECTS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3)}
MAX_SIZE = 4096  # pixels: beyond what OpenGL renderbuffers reliably allow


@dataclass(frozen=True, eq=False)
class CameraTrack:
    """Camera poses and intrinsics of frames -1, 0, ..., T (one before the clip and the state past its end)."""

    intrinsics: np.ndarray  # [T + 2, 3, 3] float64, K in pixels; row i is frame i - 1
    world_from_camera: np.ndarray  # [T + 2, 4, 4] float64, OpenGL camera (looks down -z, +y up)
    width: int
    height: int
    z_near: float
    z_far: float

    @property
    def num_frames(self) -> int:
        return self.world_from_camera.shape[0] - 2

    def first(self, num_frames: int) -> "CameraTrack":
        """The track of frames 0..num_frames-1 only (rows -1..num_frames), to render a shortened rollout."""
        if not 1 <= num_frames <= self.num_frames:
            raise SimError(f"cannot keep {num_frames} of the camera track's {self.num_frames} frames")
        return CameraTrack(intrinsics=self.intrinsics[:num_frames + 2],
                           world_from_camera=self.world_from_camera[:num_frames + 2], width=self.width,
                           height=self.height, z_near=self.z_near, z_far=self.z_far)


def intrinsics(fov_y: float, width: int, height: int) -> np.ndarray:
    """K [3, 3] in pixels for a vertical field of view `fov_y` (rad): square pixels, centred principal point."""
    focal = height / 2 / math.tan(fov_y / 2)
    return np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2], [0.0, 0.0, 1.0]])


def resolution(size: int, aspect: str) -> tuple[int, int]:
    """(width, height) with `size` pixels on the shorter side and the longer one rounded to an even number."""
    if aspect not in ASPECTS:
        raise SimError(f"unknown aspect ratio {aspect!r}; supported: {', '.join(ASPECTS)}")
    if not (isinstance(size, int) and 2 <= size <= MAX_SIZE and size % 2 == 0):
        raise SimError(f"image size must be an even number of pixels from 2 to {MAX_SIZE} "
                       f"(video encoders need even sizes), got {size!r}")
    across, down = ASPECTS[aspect]
    longer = 2 * round(size * max(across, down) / min(across, down) / 2)
    return (longer, size) if across > down else (size, longer)


def camera_track(graph: SceneGraph, rollout: Rollout, width: int, height: int) -> CameraTrack:
    """The graph camera's path sampled at frames -1..T of the rollout, for a width x height image."""
    camera, path = graph.camera, graph.camera.path
    frames = rollout.num_frames
    if frames < 1:
        raise SimError("the rollout has no frames; simulate at least one frame")
    times = np.arange(-1, frames + 1) / rollout.fps  # [T + 2] seconds of frames -1..T
    progress = times / (frames / rollout.fps)  # [T + 2] fraction of the motion done: 0 at frame 0, 1 at frame T
    eye = np.tile(np.asarray(camera.eye, dtype=float), (frames + 2, 1))  # [T + 2, 3]
    target = np.tile(np.asarray(camera.look_at, dtype=float), (frames + 2, 1))  # [T + 2, 3]
    focal_scale = np.ones(frames + 2)  # [T + 2]
    inward = 1.0 if path.motion == "zoom_in" else -1.0
    leftward = 1.0 if path.direction == "left" else -1.0
    if path.motion in ("zoom_in", "zoom_out") and path.zoom_mode == "dolly":
        eye = target + (eye - target) * (1 - inward * path.amount * progress)[:, None]
    elif path.motion in ("zoom_in", "zoom_out"):
        focal_scale = (1 - path.amount) ** (-inward * progress)
    elif path.motion == "orbit":
        eye = rotate_about_vertical(eye, target, -leftward * path.amount * progress)
    elif path.motion == "pan":
        target = rotate_about_vertical(target, eye, leftward * path.amount * progress)
    elif path.motion == "track":
        shift = _target_path(rollout, path.target)
        eye, target = eye + shift, target + shift
    ks = np.repeat(intrinsics(camera.fov_y, width, height)[None], frames + 2, axis=0)  # [T + 2, 3, 3]
    ks[:, 0, 0] *= focal_scale
    ks[:, 1, 1] *= focal_scale
    return CameraTrack(intrinsics=ks, world_from_camera=look_at(eye, target), width=width, height=height,
                       z_near=camera.z_near, z_far=camera.z_far)


def _target_path(rollout: Rollout, target: str) -> np.ndarray:
    """[T + 2, 3] displacement of the tracked body from its frame-0 position at frames -1..T.

    Frame -1 extrapolates the first step linearly (the rollout starts at frame 0).
    """
    if target not in rollout.body_ids:
        raise SimError(f"the camera tracks {target!r}, which is not in the rollout; bodies: "
                       f"{', '.join(rollout.body_ids)}")
    positions = rollout.positions[:, rollout.body_ids.index(target)]  # [T + 1, 3]
    before = 2 * positions[0] - positions[1]
    return np.concatenate([before[None], positions]) - positions[0]
