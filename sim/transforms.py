"""Rigid transforms as 4x4 numpy matrices for rollouts and camera paths (look-at poses: scenes.geometry)."""

import numpy as np


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


def rotate_about_vertical(points: np.ndarray, centres: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """[..., 3] points turned by `angles` [...] radians (counter-clockwise seen from above) about the vertical
    lines through `centres` [..., 3]."""
    offset = points - centres
    cos, sin = np.cos(angles), np.sin(angles)
    turned = np.stack([cos * offset[..., 0] - sin * offset[..., 1], sin * offset[..., 0] + cos * offset[..., 1],
                       offset[..., 2]], axis=-1)
    return centres + turned
