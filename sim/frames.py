"""`Frames`: what the renderer makes per video frame: RGB, planar depth, instance segmentation, exact flow."""

import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from sim.appearance import TEXTURE_PERIOD
from sim.errors import SimError
from sim.flow import back_project
from fileio import Save, write_atomically

# Metres: a point seen with segmentation 0 this close to z = 0 is floor (its measured error is under 0.1 mm at
# 26 m); a wall's pixels are all higher but for its bottom row.
GROUND_TOLERANCE = 0.02


@dataclass(frozen=True, eq=False)
class Frames:
    """Per-frame maps of a rendered rollout, with the camera that made them."""

    rgb: np.ndarray  # [T, H, W, 3] uint8
    depth: np.ndarray  # [T, H, W] float32, planar z in metres, 0 = background (no surface)
    segmentation: np.ndarray  # [T, H, W] int32, 0 = background and ground, k = k-th body in graph order
    flow: np.ndarray  # [T, H, W, 2] float32, forward flow (dx, dy) in pixels, x right, y down, frame t -> t+1
    valid_flow: np.ndarray  # [T, H, W] bool, false where the point is occluded or leaves the image at t+1
    intrinsics: np.ndarray  # [T + 1, 3, 3] float64, K of frames 0..T (focal zooms change it)
    world_from_camera: np.ndarray  # [T + 1, 4, 4] float64, OpenGL camera (looks down -z, +y up)
    z_near: float
    z_far: float
    # [T, H, W] int32: 1 + the index of the breakable bodies' piece (the rollout's order) each pixel shows, whole or
    # broken, 0 elsewhere; None when no body is breakable. Segmentation gives pieces their body's id.
    pieces: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return self.rgb.shape[0]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.rgb.shape[2], self.rgb.shape[1]

    def world_points(self) -> np.ndarray:
        """[T, H, W, 3] float64 world point (metres, Z up) of the surface at each pixel; NaN where there is none."""
        points = []
        for depth, k, world_from_camera in zip(self.depth, self.intrinsics, self.world_from_camera):
            camera = back_project(depth.astype(np.float64), k)  # [H, W, 3] OpenGL camera
            world = camera @ world_from_camera[:3, :3].T + world_from_camera[:3, 3]
            points.append(np.where((depth > 0)[..., None], world, np.nan))
        return np.stack(points)

    def ground_uv(self) -> np.ndarray:
        """[T, H, W, 2] texture coordinates (u, v) of the ground at each pixel, NaN off it (sky and bodies).

        The renderer maps the ground texture with (u, v) = world (x, y) / TEXTURE_PERIOD, so the integer grid
        of (u, v) is where its tiles meet. Walls of a backdrop are not ground.
        """
        points = self.world_points()  # [T, H, W, 3]
        return np.where(self.ground_mask(points)[..., None], points[..., :2] / TEXTURE_PERIOD, np.nan)

    def ground_mask(self, points: np.ndarray | None = None) -> np.ndarray:
        """[T, H, W] bool: pixels that see the floor (segmentation 0 at height 0, so not the sky or a wall)."""
        points = self.world_points() if points is None else points
        with np.errstate(invalid="ignore"):
            return (self.segmentation == 0) & (np.abs(points[..., 2]) < GROUND_TOLERANCE)

    def wall_mask(self) -> np.ndarray:
        """[T, H, W] bool: pixels that see a backdrop's wall (segmentation 0, a surface above the floor)."""
        return (self.segmentation == 0) & (self.depth > 0) & ~self.ground_mask()

    def window(self, start: int, stop: int) -> "Frames":
        """Frames start..stop-1 (a rolling window of a long video), with the cameras they need."""
        if not 0 <= start < stop <= self.num_frames:
            raise SimError(f"window {start}:{stop} is outside the {self.num_frames} frames")
        return Frames(rgb=self.rgb[start:stop], depth=self.depth[start:stop],
                      segmentation=self.segmentation[start:stop], flow=self.flow[start:stop],
                      valid_flow=self.valid_flow[start:stop], intrinsics=self.intrinsics[start:stop + 1],
                      world_from_camera=self.world_from_camera[start:stop + 1], z_near=self.z_near, z_far=self.z_far,
                      pieces=None if self.pieces is None else self.pieces[start:stop])

    def save(self, path: Path, save: Save = write_atomically) -> Path:
        """Write every map as a compressed .npz through `save` (alone, or an `OutputSet`'s `write`)."""
        arrays = {f.name: np.asarray(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

        def write(temporary: Path) -> None:
            with open(temporary, "wb") as handle:
                np.savez_compressed(handle, **arrays)

        return save(Path(path), write)

    @classmethod
    def load(cls, path: Path) -> "Frames":
        try:
            with np.load(path, allow_pickle=False) as data:
                loaded = {name: data[name] for name in data.files}
        except FileNotFoundError:
            raise SimError(f"{path} does not exist; render the scene first") from None
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise SimError(f"cannot read frames from {path}: {error}; render the scene again") from None
        names = {f.name for f in fields(cls)}
        if set(loaded) not in (names, names - {"pieces"}):
            raise SimError(f"{path} is not a kinema frames file (arrays {sorted(loaded)}); render the scene again")
        loaded["z_near"], loaded["z_far"] = float(loaded["z_near"]), float(loaded["z_far"])
        return cls(**loaded)
