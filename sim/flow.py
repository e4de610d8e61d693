"""Exact optical flow from poses: where the surface seen at each pixel of frame t is at frame t + 1.

Pixel (row j, column i) has its centre at image point (u, v) = (i + 0.5, j + 0.5), x right and y down. With
planar depth d and K, its point in the OpenGL camera (looks down -z, +y up) is
x = (u - cx) d / fx, y = -(v - cy) d / fy, z = -d. The point moves with the body k that covers it
(segmentation id k; id 0, the ground and background, is static) by T_k(t+1) T_k(t)^-1 and is projected
with the camera and K of frame t + 1.

The camera-t to camera-(t+1) transform of each id is computed as identity plus a term built from differences of
poses, so a still body under a still camera moves by exactly zero.

Validity: a pixel's flow is valid when it shows a surface (depth > 0), its point stays in front of the camera
and inside the image at t + 1, and is not occluded there: its depth at t + 1 is at most the depth rendered at
t + 1 at the nearest pixel, plus OCCLUSION_RELATIVE of that depth plus OCCLUSION_ABSOLUTE (nearest sampling
and depth quantisation need the slack). Landing on background (depth 0) counts as visible. Pixels with no
surface or that land behind the camera get flow 0.
"""

import numpy as np

OCCLUSION_RELATIVE = 0.01  # of the depth at t + 1
OCCLUSION_ABSOLUTE = 0.01  # metres


def exact_flow(
    depth_t: np.ndarray,  # [H, W] planar depth of frame t, 0 = background
    seg_t: np.ndarray,  # [H, W] int ids of frame t: 0 = static, k = body k (row k - 1 of the body poses)
    K_t: np.ndarray,  # [3, 3] intrinsics of frame t
    K_t1: np.ndarray,  # [3, 3] intrinsics of frame t + 1
    world_from_camera_t: np.ndarray,  # [4, 4]
    world_from_camera_t1: np.ndarray,  # [4, 4]
    body_world_t: np.ndarray,  # [N, 4, 4] world_from_body of every body at frame t
    body_world_t1: np.ndarray,  # [N, 4, 4] the same at frame t + 1
    depth_t1: np.ndarray,  # [H, W] planar depth of frame t + 1, for occlusion
) -> tuple[np.ndarray, np.ndarray]:
    """Forward flow [H, W, 2] float32 (dx, dy in pixels) from frame t to t + 1, and its validity [H, W] bool."""
    height, width = depth_t.shape
    depth = depth_t.astype(np.float64)
    points = back_project(depth, K_t)  # [H, W, 3] camera t
    steps = _camera_steps(world_from_camera_t, world_from_camera_t1, body_world_t, body_world_t1)  # [N + 1, 4, 4]
    moved = _moved(points, seg_t, steps)  # [H, W, 3] camera t + 1
    ahead = (depth > 0) & (moved[..., 2] < 0)
    u_t, v_t = _project(points, K_t)
    u_t1, v_t1 = _project(moved, K_t1)
    flow = np.where(ahead[..., None], np.stack([u_t1 - u_t, v_t1 - v_t], axis=-1), 0.0)  # [H, W, 2]
    inside = ahead & (u_t1 >= 0) & (u_t1 < width) & (v_t1 >= 0) & (v_t1 < height)
    column = np.clip(np.floor(np.where(inside, u_t1, 0)), 0, width - 1).astype(np.intp)
    row = np.clip(np.floor(np.where(inside, v_t1, 0)), 0, height - 1).astype(np.intp)
    surface = depth_t1[row, column].astype(np.float64)  # [H, W] depth rendered where each point lands
    landing_depth = -moved[..., 2]
    visible = (surface == 0) | (landing_depth <= surface * (1 + OCCLUSION_RELATIVE) + OCCLUSION_ABSOLUTE)
    return flow.astype(np.float32), inside & visible


def _moved(points: np.ndarray, seg: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """points [H, W, 3] moved by the step of their id, points + (step - I) points: the static step for every
    pixel at once, then the bodies' for the few pixels they cover (no [H, W, 4, 4] gather, no matmul of
    [H * W, 3] by [3, 3], which numpy runs ten times slower than these products)."""
    flat = points.reshape(-1, 3)
    x, y, z = flat[:, 0], flat[:, 1], flat[:, 2]
    static = steps[0]
    moved = flat + np.stack([row[0] * x + row[1] * y + row[2] * z + row[3] for row in static[:3]], axis=1)
    on_body = np.flatnonzero(seg)  # [M] pixels showing a body
    if len(on_body):
        p = flat[on_body]  # [M, 3]
        step = steps[seg.reshape(-1)[on_body], :3]  # [M, 3, 4]
        moved[on_body] = p + np.einsum("mij,mj->mi", step[..., :3], p) + step[..., 3]
    return moved.reshape(points.shape)


def _camera_steps(world_from_camera_t, world_from_camera_t1, body_world_t, body_world_t1) -> np.ndarray:
    """[N + 1, 4, 4] camera_t1_from_camera_t - I for id 0 (static) and each body, exactly 0 when nothing moves.

    camera_t1_from_camera_t = W1^-1 M W0 with M = B1 B0^-1, so minus I it is W1^-1 ((B1 - B0) B0^-1 W0 + W0 - W1).
    """
    camera_t1_from_world = np.linalg.inv(world_from_camera_t1)
    camera_move = world_from_camera_t - world_from_camera_t1  # [4, 4]
    body_move = (body_world_t1 - body_world_t) @ np.linalg.inv(body_world_t) @ world_from_camera_t  # [N, 4, 4]
    moves = np.concatenate([np.zeros((1, 4, 4)), body_move]) + camera_move  # [N + 1, 4, 4]
    return camera_t1_from_world @ moves


def back_project(depth: np.ndarray, k: np.ndarray) -> np.ndarray:
    """[H, W, 3] OpenGL camera points seen at each pixel centre at planar `depth` [H, W]."""
    height, width = depth.shape
    u, v = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)  # [H, W] pixel centres
    return np.stack([(u - k[0, 2]) * depth / k[0, 0], -(v - k[1, 2]) * depth / k[1, 1], -depth], axis=-1)


def _project(points: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image coordinates (u, v) [H, W] each of OpenGL camera points [H, W, 3] (in front: z < 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = -points[..., 2]
        return k[0, 2] + k[0, 0] * points[..., 0] / depth, k[1, 2] - k[1, 1] * points[..., 1] / depth
