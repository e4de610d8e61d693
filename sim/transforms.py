"""Rigid transforms as 4x4 numpy matrices: body poses from a rollout, and look-at poses for cameras and lights."""

import numpy as np

WORLD_UP = np.array([0.0, 0.0, 1.0])


def rotation_matrices(quaternions: np.ndarray) -> np.ndarray:
    """[..., 3, 3] rotation matrices of [..., 4] xyzw quaternions (normalised first)."""
    q = quaternions / np.linalg.norm(quaternions, axis=-1, keepdims=True)
    x, y, z, w = np.moveaxis(q, -1, 0)
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def pose_matrices(positions: np.ndarray, orientations: np.ndarray) -> np.ndarray:
    """[..., 4, 4] world_from_body of [..., 3] positions and [..., 4] xyzw orientations."""
    poses = np.zeros(positions.shape[:-1] + (4, 4))
    poses[..., :3, :3] = rotation_matrices(orientations)
    poses[..., :3, 3] = positions
    poses[..., 3, 3] = 1.0
    return poses


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """[..., 4, 4] world_from_camera of OpenGL cameras at `eye` [..., 3] looking at `target` [..., 3].

    The camera looks down its -z with +y as close to world +Z (up) as possible, so its x axis stays horizontal
    and the horizon level. Looking straight up or down, where "up" is undefined, its +y is world +Y instead.
    """
    eye, target = np.broadcast_arrays(np.asarray(eye, dtype=float), np.asarray(target, dtype=float))
    back = eye - target
    back = back / np.linalg.norm(back, axis=-1, keepdims=True)
    right = np.cross(WORLD_UP, back)
    vertical = np.linalg.norm(right, axis=-1, keepdims=True) < 1e-9
    right = np.where(vertical, np.cross(np.array([0.0, 1.0, 0.0]), back), right)
    right = right / np.linalg.norm(right, axis=-1, keepdims=True)
    up = np.cross(back, right)
    poses = np.zeros(eye.shape[:-1] + (4, 4))
    poses[..., :3, 0], poses[..., :3, 1], poses[..., :3, 2] = right, up, back
    poses[..., :3, 3] = eye
    poses[..., 3, 3] = 1.0
    return poses


def rotate_about_vertical(points: np.ndarray, centres: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """[..., 3] points turned by `angles` [...] radians (counter-clockwise seen from above) about the vertical
    lines through `centres` [..., 3]."""
    offset = points - centres
    cos, sin = np.cos(angles), np.sin(angles)
    turned = np.stack([cos * offset[..., 0] - sin * offset[..., 1], sin * offset[..., 0] + cos * offset[..., 1],
                       offset[..., 2]], axis=-1)
    return centres + turned
