"""Scenes and rollouts made by hand for camera, flow and rendering tests: bodies placed and moved without physics."""

import math

import numpy as np

from scenes.bodies import colour, make_body, material
from scenes.geometry import quat_from_axis_angle, quat_multiply
from scenes.graph import SceneGraph
from scenes.schema import Body, Camera, CameraPath, Ground
from sim.rollout import Rollout


def body(body_id: str, noun: str, colour_name: str, position, size=None, material_name: str | None = None) -> Body:
    made = make_body(body_id, noun, colour_name, material_name, size=size)
    return made.model_copy(update={"position": tuple(float(c) for c in position)})


def scene(bodies: list[Body], eye=(0.0, -5.0, 2.0), look_at=(0.0, 0.0, 0.3), path: CameraPath | None = None,
          texture: str = "checker", fov_y: float = math.radians(45.0)) -> SceneGraph:
    graph = SceneGraph(ground=Ground(colour=colour("grey"), material=material("stone"), texture=texture),
                       camera=Camera(eye=eye, look_at=look_at, fov_y=fov_y, path=path or CameraPath()))
    for made in bodies:
        graph.add_body(made)
    return graph


def rollout(graph: SceneGraph, frames: int, fps: float = 8.0, velocities: dict | None = None,
            spins: dict | None = None) -> Rollout:
    """States at frames 0..frames: each body from its graph pose at constant velocity (m/s) and spin about its
    vertical axis (rad/s)."""
    velocities, spins = velocities or {}, spins or {}
    times = np.arange(frames + 1) / fps  # [T + 1]
    start = np.array([b.position for b in graph.bodies]).reshape(-1, 3)  # [N, 3]
    velocity = np.array([velocities.get(b.id, (0.0, 0.0, 0.0)) for b in graph.bodies], dtype=float).reshape(-1, 3)
    positions = start[None] + times[:, None, None] * velocity[None]  # [T + 1, N, 3]
    orientations = np.array([[quat_multiply(quat_from_axis_angle((0, 0, 1), spins.get(b.id, 0.0) * t), b.orientation)
                              for b in graph.bodies] for t in times]).reshape(frames + 1, len(graph.bodies), 4)
    return Rollout(fps=fps, step_hz=240, body_ids=tuple(graph.body_ids), positions=positions,
                   orientations=orientations, linear_velocity=np.broadcast_to(velocity, positions.shape).copy(),
                   angular_velocity=np.zeros_like(positions), contacts=np.zeros((0, 4)))
