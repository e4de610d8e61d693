"""The ground truth's second take (`hybrid.second_take`): the same scene from starts moved by about 1 mm."""

import numpy as np
import pytest

from hybrid import second_take as takes
from hybrid.physics_iq import Takes
from hybrid.pipeline import PipelineOutput
from hybrid.second_take import POSITION_NOISE, perturbed, second_take
from scenes.parser import parse_prompt
from scenes.script import library_scripts, load_script
from sim import camera_track, render, simulate

FPS, FRAMES = 8, 12


def truth(scene: str, simulated: int = FRAMES, kept: int = FRAMES) -> PipelineOutput:
    """The simulator's side of a pipeline output for a prompt or a library scene's name, simulated for
    `simulated` frames and cut to `kept`, as the pipeline cuts its last window (the render stands in for the
    generated video)."""
    scripts = {path.stem: path for path in library_scripts()}
    graph = load_script(scripts[scene]) if scene in scripts else parse_prompt(scene, seed=0)
    rollout = simulate(graph, seconds=simulated / FPS, fps=FPS)
    camera = camera_track(graph, rollout, 64, 64)
    frames = render(rollout, graph, camera=camera)
    return PipelineOutput(video=frames.rgb[:kept], frames=frames.window(0, kept), rollout=rollout.first(kept),
                          camera=camera.first(kept), graph=graph, caption="")


def test_perturbed_moves_every_start_sideways_by_about_a_millimetre_and_keeps_heights():
    graph = parse_prompt("three red balls fall onto a blue box", seed=0)
    take = perturbed(graph, seed=0)
    before = np.array([body.position for body in graph.bodies])
    after = np.array([body.position for body in take.bodies])
    moved = after - before
    assert np.all(moved[:, 2] == 0.0) and np.all(moved[:, :2] != 0.0)
    assert np.abs(moved[:, :2]).max() < 5 * POSITION_NOISE
    assert take.body_ids == graph.body_ids and np.array_equal([b.position for b in graph.bodies], before)
    assert perturbed(graph, seed=0) == take and perturbed(graph, seed=1) != take


def test_static_bodies_stay_where_they_are():
    graph = load_script({path.stem: path for path in library_scripts()}["ball_down_ramp"])
    take = perturbed(graph, seed=0)
    moved = {body.id: body.position != original.position for body, original in zip(take.bodies, graph.bodies)}
    assert moved == {body.id: not (body.static or body.shape == "plane") for body in graph.bodies}
    assert not all(moved.values()) and any(moved.values())


@pytest.mark.parametrize("scene", ["camera_track", "camera_orbit", "camera_zoom_in"])
def test_without_noise_the_second_take_is_the_first_even_with_a_moving_camera_and_a_cut_clip(scene, monkeypatch):
    """The take re-simulates the kept frames only, with take 1's camera (a tracking camera keeps take 1's path)."""
    monkeypatch.setattr(takes, "POSITION_NOISE", 0.0)
    output = truth(scene, simulated=FRAMES + 4, kept=FRAMES)
    assert np.array_equal(second_take(output, seed=0), output.frames.rgb)


def test_a_second_take_is_the_same_clip_with_a_little_physical_variance():
    output = truth("a red ball rolls toward a blue box at 2 m/s")
    again = second_take(output, seed=0)
    assert again.shape == output.frames.rgb.shape and again.dtype == np.uint8
    assert not np.array_equal(again, output.frames.rgb)
    assert np.array_equal(again, second_take(output, seed=0))  # deterministic
    variance = Takes.of(output.frames.rgb, again, FPS).variance
    assert variance.spatiotemporal_iou > 0.8 and variance.mse < 1e-3
