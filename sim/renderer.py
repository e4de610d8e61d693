"""`render`: a rollout and its graph -> `Frames` (RGB, planar depth, instance segmentation, exact flow).

One pyrender scene serves every frame of a call, drawn by the thread's OpenGL renderer, which is kept between
calls; between frames only the poses (and the intrinsics, for focal zooms) change. Each frame takes two passes:
- colour: lit, shadowed (a shadow map per directional light), anti-aliased (4x MSAA) RGBA on a transparent
  background, over which the backdrop's sky gradient is painted by each pixel's viewing elevation;
- segmentation: flat id colours with multisampling off, so every pixel holds exactly one id (a motion id:
  each piece of a breakable body has its own, mapped to its body's id in `Frames.segmentation`), and its depth
  buffer gives the planar depth at the pixel centre, which is what exact flow back-projects (the colour pass's
  multisampled depth comes from a sample off the centre).
The state past the last frame is rendered too (segmentation pass only): its depth decides occlusion for the
last frame's flow.
"""

import atexit
import contextlib
import threading

import numpy as np
from pyrender.shader_program import ShaderProgramCache
from tqdm import tqdm

from scenes.graph import SceneGraph
from sim.appearance import SKIES, Sky
from sim.camera import CameraTrack, camera_track, resolution
from sim.errors import SimError
from sim.flow import exact_flow
from sim.frames import Frames
from sim.gl import pyrender, shader_dir
from sim.render_scene import RenderScene, decode_ids
from sim.rollout import Rollout
from sim.transforms import pose_matrices

COLOUR_FLAGS = pyrender.RenderFlags.RGBA | pyrender.RenderFlags.SHADOWS_DIRECTIONAL
_KEPT = threading.local()  # .renderer: this thread's OpenGL renderer (an EGL context is current in one thread)


def render(rollout: Rollout, graph: SceneGraph, size: int = 128, aspect: str = "1:1",
           camera: CameraTrack | None = None, progress: bool = False, shadows: bool = True) -> Frames:
    """Render every frame of `rollout`; `size` (shorter side, pixels) and `aspect` apply unless `camera` is given.

    Without `camera`, the graph's camera path is used (`camera_track`). `shadows=False` skips the shadow maps
    (only RGB changes).
    """
    if list(rollout.body_ids) != graph.body_ids:
        raise SimError(f"the rollout's bodies {list(rollout.body_ids)} are not the graph's {graph.body_ids}; "
                       f"simulate this graph again")
    track = camera or camera_track(graph, rollout, *resolution(size, aspect))
    frames = rollout.num_frames
    if track.num_frames != frames:
        raise SimError(f"the camera track has {track.num_frames} frames but the rollout {frames}; "
                       f"make the track with camera_track(graph, rollout, ...)")
    positions = np.concatenate([rollout.positions, rollout.piece_positions], axis=1)  # [T + 1, N + P, 3]
    orientations = np.concatenate([rollout.orientations, rollout.piece_orientations], axis=1)  # [T + 1, N + P, 4]
    poses = pose_matrices(positions, orientations)  # [T + 1, N + P, 4, 4]: bodies, then pieces
    views, ks = track.world_from_camera[1:], track.intrinsics[1:]  # [T + 1, 4, 4], [T + 1, 3, 3]: frames 0..T
    stage = RenderScene(graph, track, rollout)
    flags = COLOUR_FLAGS if shadows else COLOUR_FLAGS & ~pyrender.RenderFlags.SHADOWS_DIRECTIONAL
    rgb, depth, motion = _draw(stage, SKIES[graph.backdrop.sky], flags, poses, views, ks, track, progress)
    flows = [exact_flow(depth[t], motion[t], ks[t], ks[t + 1], views[t], views[t + 1], poses[t], poses[t + 1],
                        depth[t + 1]) for t in range(frames)]
    return Frames(
        rgb=rgb, depth=depth[:frames], segmentation=stage.motion_to_body[motion[:frames]],
        flow=np.stack([flow for flow, _ in flows]), valid_flow=np.stack([valid for _, valid in flows]),
        intrinsics=ks, world_from_camera=views, z_near=track.z_near, z_far=track.z_far,
        pieces=np.maximum(motion[:frames] - len(graph.bodies), 0) if len(rollout.piece_parent) else None,
    )


def _draw(stage: RenderScene, sky: Sky, flags: int, poses: np.ndarray, views: np.ndarray, ks: np.ndarray,
          track: CameraTrack, progress: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RGB [T, H, W, 3] uint8 of frames 0..T-1; depth [T + 1, H, W] float32 and motion ids [T + 1, H, W] int32
    (RenderScene) of 0..T."""
    frames, height, width = len(views) - 1, track.height, track.width
    rgb = np.empty((frames, height, width, 3), dtype=np.uint8)
    depth = np.empty((frames + 1, height, width), dtype=np.float32)
    segmentation = np.empty((frames + 1, height, width), dtype=np.int32)
    renderer = _kept_renderer(width, height)
    try:
        for t in tqdm(range(frames + 1), desc="render", unit="frame", disable=not progress):
            stage.pose(poses[t], views[t], ks[t])
            if t < frames:
                stage.show(t)
                rgba, _ = renderer.render(stage.scene, flags=flags)
                rgb[t] = _over_sky(rgba, sky, views[t], ks[t])
            stage.show(None)
            ids, depth[t] = renderer.render(stage.scene, flags=pyrender.RenderFlags.SEG,
                                            seg_node_map=stage.seg_node_map)
            segmentation[t] = decode_ids(ids)
    except BaseException:
        _forget_renderer()  # a renderer that failed mid-frame is not trusted with the next call
        raise
    return rgb, depth, segmentation


def _kept_renderer(width: int, height: int) -> pyrender.OffscreenRenderer:
    """This thread's renderer, opened on first use and kept between calls, resized in place: opening one and
    compiling its shaders costs ~0.1 s, a sixth of a 16-frame 256x256 render (benchmarks/sim_render.py). pyrender
    deletes the previous scene's meshes and textures when the next one is drawn. The output is bit-identical
    to a fresh renderer's (tests/sim/test_renderer.py)."""
    renderer = getattr(_KEPT, "renderer", None)
    if renderer is None:
        renderer = _KEPT.renderer = _open_renderer(width, height)
    renderer.viewport_width, renderer.viewport_height = width, height
    return renderer


def _forget_renderer() -> None:
    renderer, _KEPT.renderer = getattr(_KEPT, "renderer", None), None
    if renderer is not None:
        with contextlib.suppress(Exception):  # it is being dropped because it failed
            _close(renderer)


def _over_sky(rgba: np.ndarray, sky: Sky, world_from_camera: np.ndarray, k: np.ndarray) -> np.ndarray:
    """[H, W, 3] uint8: the colour pass [H, W, 4] (colour premultiplied by coverage) over the sky.

    Anti-aliased edges blend with the sky exactly as MSAA blends them with each other.
    """
    rgb = rgba[..., :3].copy()
    rows = np.nonzero((rgba[..., 3] < 255).any(axis=1))[0]  # [R] rows that see some sky (usually the top)
    if len(rows) == 0:
        return rgb
    alpha = rgba[rows, :, 3:].astype(np.float32) / 255.0  # [R, W, 1]
    width = rgba.shape[1]
    x = ((np.arange(width, dtype=np.float32) + 0.5 - k[0, 2]) / k[0, 0])[None, :]  # [1, W] camera rays' x
    y = (-(rows.astype(np.float32) + 0.5 - k[1, 2]) / k[1, 1])[:, None]  # [R, 1] and y; z = -1
    up = world_from_camera[2, :3].astype(np.float32)  # world z of the camera's axes
    heights = (x * up[0] + y * up[1] - up[2]) / np.sqrt(x * x + y * y + 1.0)  # [R, W] sine of ray elevation
    colour = rgb[rows] + (1.0 - alpha) * sky.colours(heights) * np.float32(255.0)
    rgb[rows] = np.clip(np.round(colour), 0, 255).astype(np.uint8)
    return rgb


def _close(renderer: pyrender.OffscreenRenderer) -> None:
    """`OffscreenRenderer.delete` without its closing `gc.collect()`, which takes 0.1-0.3 s in a process that
    holds torch (a quarter of a 16-frame 256x256 render) and frees nothing: the GL objects go explicitly here."""
    renderer._platform.make_current()
    renderer._renderer.delete()
    renderer._platform.delete_context()
    renderer._renderer = renderer._platform = None


class _Renderer(pyrender.renderer.Renderer):
    """pyrender's renderer, except that the scene's `receivers_only` meshes (the floor) stay out of the shadow
    maps: they shade nothing, and the floor covers the whole map (a million texels per light and frame on a CPU
    rasteriser, ~3 ms of a 256x256 frame)."""

    def _shadow_mapping_pass(self, scene, light_node, flags):
        hidden = getattr(scene, "receivers_only", [])
        for mesh in hidden:
            mesh.is_visible = False
        try:
            super()._shadow_mapping_pass(scene, light_node, flags)
        finally:
            for mesh in hidden:
                mesh.is_visible = True


def _open_renderer(width: int, height: int) -> pyrender.OffscreenRenderer:
    try:
        renderer = pyrender.OffscreenRenderer(width, height)
    except Exception as error:  # PyOpenGL raises a zoo of platform-specific types here
        raise SimError(
            f"cannot open an OpenGL context for rendering ({type(error).__name__}: {error}); headless machines need "
            f"EGL (libegl1) or, with PYOPENGL_PLATFORM=osmesa, libosmesa6 and PyOpenGL 3.1.10") from None
    renderer._renderer._program_cache = ShaderProgramCache(shader_dir())  # pyrender offers no public setters
    renderer._renderer.__class__ = _Renderer
    return renderer


atexit.register(_forget_renderer)  # the main thread's; other threads' go with their contexts
