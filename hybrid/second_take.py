"""The ground truth's second take: Physics-IQ films every scenario twice and scores a model against the physical
variance between the takes. kinema's second take is the same scene re-simulated with every moving body's start
moved by a little noise, as a person resetting the scene by hand would leave them (the fixed apparatus, static
bodies, stays put), and rendered with the first take's camera, so only the physics differs.
"""

import numpy as np

from hybrid.pipeline import PipelineOutput
from scenes.graph import SceneGraph
from scenes.seeding import scene_rng

POSITION_NOISE = 0.001  # m: standard deviation of each body's horizontal (x and y) start shift. Heights are kept,
# so a body on a flat support never starts inside it; on a slope the shift leaves a sub-millimetre gap or overlap
# that the first physics step resolves


def perturbed(graph: SceneGraph, seed: int) -> SceneGraph:
    """A copy of a laid-out graph with every moving body's start moved horizontally by N(0, POSITION_NOISE) per
    axis, drawn from `seed`'s second-take stream (the same seed, the same take)."""
    from sim.world import is_static  # PyBullet loads only when a take is made

    take = SceneGraph.from_dict(graph.to_dict())
    rng = scene_rng(seed, "second_take")
    for body in take.bodies:
        if is_static(body):
            continue
        x, y, z = body.position
        dx, dy = rng.normal(0.0, POSITION_NOISE, 2)
        take.replace_body(body.model_copy(update={"position": (x + dx, y + dy, z)}))
    return take


def second_take(output: PipelineOutput, seed: int) -> np.ndarray:
    """[T, H, W, 3] uint8: the render of `output`'s scene re-simulated from `perturbed` starts for its T frames."""
    from sim import render, simulate  # PyBullet and OpenGL load only when a take is made

    graph = perturbed(output.graph, seed)
    rollout = simulate(graph, seconds=output.rollout.num_frames / output.rollout.fps, fps=output.rollout.fps)
    return render(rollout, graph, camera=output.camera).rgb
