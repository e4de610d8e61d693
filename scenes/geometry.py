"""Small rigid-body geometry on numpy arrays: quaternions (xyzw), rotations, bounding boxes."""

import math

import numpy as np

from scenes.schema import Body

WORLD_UP = np.array([0.0, 0.0, 1.0])


def quat_from_axis_angle(axis, angle: float) -> np.ndarray:
    """Unit quaternion (x, y, z, w) rotating by `angle` radians about `axis`."""
    axis = np.asarray(axis, dtype=float)
    axis = axis / np.linalg.norm(axis)
    return np.array([*(axis * math.sin(angle / 2)), math.cos(angle / 2)])


def quat_multiply(a, b) -> np.ndarray:
    """Hamilton product a * b of xyzw quaternions (apply b, then a)."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array([
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ])


def quat_from_euler(x: float, y: float, z: float) -> np.ndarray:
    """xyzw quaternion of turns (rad) about the fixed x, then y, then z axes, as p.getQuaternionFromEuler."""
    about_x, about_y, about_z = (quat_from_axis_angle(axis, angle) for axis, angle in zip(np.eye(3), (x, y, z)))
    return quat_multiply(about_z, quat_multiply(about_y, about_x))


def rotation_matrix(q) -> np.ndarray:
    """3x3 rotation matrix of an xyzw quaternion."""
    x, y, z, w = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def half_extents_world(body: Body) -> np.ndarray:
    """Half extents of the body's world-axis-aligned bounding box at its current orientation."""
    half = np.asarray(body.size, dtype=float) / 2
    return np.abs(rotation_matrix(body.orientation)) @ half


def bodies_overlap(a: Body, b: Body, clearance: float = 0.0) -> bool:
    """Whether two bodies' initial volumes intersect (exact for sphere pairs, bounding boxes otherwise)."""
    pa, pb = np.asarray(a.position), np.asarray(b.position)
    if a.shape == b.shape == "sphere":
        return float(np.linalg.norm(pa - pb)) < (a.size[0] + b.size[0]) / 2 + clearance - 1e-6
    gap = np.abs(pa - pb) - half_extents_world(a) - half_extents_world(b)
    return bool(np.all(gap < clearance - 1e-6))


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
