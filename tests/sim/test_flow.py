"""Exact flow: closed-form cases on synthetic depth maps, and warping on rendered, textured, moving scenes."""

import math

import numpy as np
import pytest
from scipy import ndimage

from handmade import body, rollout, scene
from scenes.schema import CameraPath
from sim import render
from sim.camera import intrinsics
from sim.flow import exact_flow

W, H, DEPTH = 64, 48, 4.0
K = intrinsics(math.radians(50.0), W, H)
FX = K[0, 0]
IDENTITY = np.eye(4)


def translation(x=0.0, y=0.0, z=0.0) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, 3] = x, y, z
    return pose


def turn_about_z(angle: float, centre) -> np.ndarray:
    """world_from_body of a body at `centre` turned by `angle` about the world z axis."""
    pose = translation(*centre)
    pose[:2, :2] = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    return pose


def plane(depth: float = DEPTH) -> np.ndarray:
    return np.full((H, W), depth, dtype=np.float32)


def pixel_centres() -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)


def test_nothing_moving_gives_exactly_zero_flow_valid_wherever_there_is_a_surface():
    depth = plane()
    depth[:10] = 0.0  # sky
    seg = np.zeros((H, W), dtype=np.int32)
    seg[20:30, 20:40] = 1
    bodies = np.stack([turn_about_z(0.7, (0.3, -0.2, -DEPTH)), turn_about_z(-2.0, (1.0, 1.0, -3.0))])
    camera = turn_about_z(0.3, (2.0, 1.0, 0.5))
    flow, valid = exact_flow(depth, seg, K, K, camera, camera, bodies, bodies, depth)
    assert flow.dtype == np.float32 and flow.shape == (H, W, 2)
    assert np.array_equal(flow, np.zeros_like(flow))
    assert np.array_equal(valid, depth > 0)


def test_a_camera_moving_right_slides_a_facing_plane_left_by_fx_dx_over_depth():
    dx = 0.2
    flow, valid = exact_flow(plane(), np.zeros((H, W), int), K, K, IDENTITY, translation(x=dx),
                             np.zeros((0, 4, 4)), np.zeros((0, 4, 4)), plane())
    shift = FX * dx / DEPTH
    assert np.allclose(flow[..., 0], -shift) and np.allclose(flow[..., 1], 0.0)
    u, _ = pixel_centres()
    assert np.array_equal(valid, u - shift >= 0)  # the left edge leaves the image


def test_a_focal_zoom_spreads_pixels_from_the_principal_point():
    scale = 1.25
    zoomed = K.copy()
    zoomed[:2, :2] *= scale
    flow, valid = exact_flow(plane(), np.zeros((H, W), int), K, zoomed, IDENTITY, IDENTITY,
                             np.zeros((0, 4, 4)), np.zeros((0, 4, 4)), plane())
    u, v = pixel_centres()
    assert np.allclose(flow[..., 0], (scale - 1) * (u - W / 2)) and np.allclose(flow[..., 1], (scale - 1) * (v - H / 2))
    assert valid[H // 2, W // 2] and not valid[0, 0]


def test_a_body_spinning_about_the_optical_axis_turns_its_pixels_about_the_image_centre():
    angle = 0.1
    seg = np.ones((H, W), dtype=np.int32)
    start, end = translation(z=-DEPTH)[None], turn_about_z(angle, (0.0, 0.0, -DEPTH))[None]
    flow, valid = exact_flow(plane(), seg, K, K, IDENTITY, IDENTITY, start, end, plane())
    u, v = pixel_centres()
    x, y = u - W / 2, -(v - H / 2)  # image offsets with y up, where the camera's turn is counter-clockwise
    turned_x, turned_y = math.cos(angle) * x - math.sin(angle) * y, math.sin(angle) * x + math.cos(angle) * y
    assert np.allclose(flow[..., 0], turned_x - x, atol=1e-4) and np.allclose(flow[..., 1], -(turned_y - y), atol=1e-4)
    assert valid[H // 2, W // 2]


def test_points_landing_behind_a_nearer_surface_are_occluded_within_the_tolerance():
    dx = 0.2
    seg = np.zeros((H, W), dtype=np.int32)
    seg[:, :32] = 1
    later = plane()
    later[:, 40:] = DEPTH / 2  # something nearer covers the right part at t + 1
    later[:, 36:40] = DEPTH * 0.995  # slightly nearer: inside the 1 % + 1 cm slack
    start, end = translation(z=-DEPTH)[None], translation(x=dx, z=-DEPTH)[None]
    flow, valid = exact_flow(plane(), seg, K, K, IDENTITY, IDENTITY, start, end, later)
    landing = np.floor(np.arange(W) + 0.5 + flow[0, :, 0]).astype(int)
    assert np.allclose(flow[:, :32, 0], FX * dx / DEPTH) and np.allclose(flow[:, 32:], 0.0)
    assert np.array_equal(valid[0], landing < 40)


def test_the_sky_has_no_flow_and_no_validity():
    depth = plane()
    depth[:, :8] = 0.0
    flow, valid = exact_flow(depth, np.zeros((H, W), int), K, K, IDENTITY, translation(x=0.3),
                             np.zeros((0, 4, 4)), np.zeros((0, 4, 4)), depth)
    assert np.array_equal(flow[:, :8], np.zeros((H, 8, 2))) and not valid[:, :8].any()


# --- rendered scenes ---------------------------------------------------------------------------------------
def warp_back(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Bilinear samples of `image` [H, W, C] at each pixel plus its flow [H, W, 2] (edge pixels repeat)."""
    height, width = image.shape[:2]
    rows, columns = np.mgrid[0:height, 0:width].astype(float)
    x = np.clip(columns + flow[..., 0], 0, width - 1)
    y = np.clip(rows + flow[..., 1], 0, height - 1)
    x0, y0 = np.minimum(np.floor(x).astype(int), width - 2), np.minimum(np.floor(y).astype(int), height - 2)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    pixels = image.astype(float)
    top = pixels[y0, x0] * (1 - fx) + pixels[y0, x0 + 1] * fx
    bottom = pixels[y0 + 1, x0] * (1 - fx) + pixels[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


@pytest.fixture(scope="module")
def orbiting():
    """A checker floor, moving and spinning bodies, a camera orbiting left: every pixel's flow differs."""
    graph = scene([body("ball", "ball", "red", (-0.6, 0.0, 0.15)), body("crate", "crate", "blue", (0.5, 0.4, 0.3)),
                   body("can", "can", "yellow", (0.0, -0.8, 0.125), material_name="plastic")],
                  path=CameraPath(motion="orbit", direction="left", amount=math.radians(20.0)))
    moving = rollout(graph, 6, velocities={"ball": (1.0, 0.0, 0.0), "can": (0.0, 0.0, 0.4)}, spins={"crate": 1.0})
    return render(moving, graph, size=128)


def test_warping_the_next_frame_back_with_the_flow_reproduces_the_frame(orbiting):
    for t in range(orbiting.num_frames - 1):
        valid, frame = orbiting.valid_flow[t], orbiting.rgb[t].astype(float)
        error = np.abs(warp_back(orbiting.rgb[t + 1], orbiting.flow[t]) - frame)[valid].mean() / 255
        unwarped = np.abs(orbiting.rgb[t + 1] - frame)[valid].mean() / 255
        assert valid.mean() > 0.5 and error < 0.02 and error < unwarped / 3


def test_valid_flow_lands_on_the_same_instance(orbiting):
    for t in range(orbiting.num_frames - 1):
        flow, valid, seg = orbiting.flow[t], orbiting.valid_flow[t], orbiting.segmentation
        rows, columns = np.nonzero(valid)
        landing = seg[t + 1][np.floor(rows + 0.5 + flow[rows, columns, 1]).astype(int),
                             np.floor(columns + 0.5 + flow[rows, columns, 0]).astype(int)]
        assert (landing == seg[t][rows, columns]).mean() > 0.98


def test_a_still_scene_under_a_still_camera_has_exactly_zero_flow():
    graph = scene([body("ball", "ball", "red", (-0.6, 0.0, 0.15)), body("crate", "crate", "blue", (0.5, 0.4, 0.3))])
    frames = render(rollout(graph, 3), graph, size=64)
    assert np.array_equal(frames.flow, np.zeros_like(frames.flow))
    assert np.array_equal(frames.valid_flow, frames.depth > 0)
    assert (frames.depth == 0).any()  # the sky: no surface, no flow


def test_a_translating_facing_box_moves_by_fx_v_dt_over_depth():
    speed, fps, distance = 0.5, 8.0, 3.8  # the box's front face is 3.8 m from the camera
    graph = scene([body("crate", "crate", "blue", (0.0, 0.0, 0.5), size=(1.0, 0.4, 1.0))],
                  eye=(0.0, -4.0, 0.5), look_at=(0.0, 0.0, 0.5))
    frames = render(rollout(graph, 2, fps=fps, velocities={"crate": (speed, 0.0, 0.0)}), graph, size=64)
    face = (frames.segmentation[0] == 1) & frames.valid_flow[0]
    assert face.sum() > 50
    fx = frames.intrinsics[0, 0, 0]
    assert np.allclose(frames.flow[0][face, 0], fx * speed / fps / distance, rtol=1e-3)
    assert np.allclose(frames.flow[0][face, 1], 0.0, atol=1e-3)


def test_textured_moving_bodies_warp_onto_themselves_with_the_flow():
    """Wood grain and stone speckle ride on their bodies: the next frame warped back by the flow reproduces the
    bodies' textured pixels (the texture is fixed to the body, not to the screen), far better than no warp."""
    graph = scene([body("crate", "crate", "brown", (-0.5, 0.0, 0.3), size=(0.8, 0.8, 0.6), material_name="wood"),
                   body("block", "block", "silver", (0.6, 0.4, 0.2), size=(0.6, 0.6, 0.4), material_name="stone")],
                  eye=(0.0, -3.0, 1.2), look_at=(0.0, 0.0, 0.3))
    moving = rollout(graph, 4, velocities={"crate": (0.5, 0.0, 0.0), "block": (0.0, -0.4, 0.0)})
    frames = render(moving, graph, size=128)
    for t in range(frames.num_frames - 1):
        inside = ndimage.binary_erosion(frames.segmentation[t] > 0, iterations=2)  # edges blend with the floor
        valid, frame = frames.valid_flow[t] & inside, frames.rgb[t].astype(float)
        texture = np.abs(frame - ndimage.uniform_filter(frame, (5, 5, 1)))[valid].mean() / 255
        error = np.abs(warp_back(frames.rgb[t + 1], frames.flow[t]) - frame)[valid].mean() / 255
        unwarped = np.abs(frames.rgb[t + 1] - frame)[valid].mean() / 255
        assert valid.sum() > 1500 and texture > 0.01  # enough textured body pixels to tell
        assert error < 0.012 and error < unwarped / 4, (t, error, unwarped)
