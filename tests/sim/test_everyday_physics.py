"""Everyday prompts simulate as they read: furniture holds what stands on it, a bucket holds what falls in,
'bounces three times' bounces three times, 'slides off a table' leaves it, 'after 1 second' waits."""

import numpy as np
import pytest

from scenes.parser import parse_prompt
from scenes.prompt_motions import VISIBLE_BOUNCE
from sim import simulate


def _track(prompt: str, noun: str, seconds: float | None = None, fps: int | None = None):
    graph = parse_prompt(prompt, seed=0)
    rollout = simulate(graph, seconds=seconds, fps=fps)
    k = next(i for i, b in enumerate(graph.bodies) if b.noun == noun)
    return graph, rollout, k


def test_a_table_stands_still_and_holds_a_vase():
    graph, rollout, k = _track("a vase on a table", "vase", seconds=2.0)
    table = graph.bodies[1 - k]
    assert np.abs(rollout.positions[-1] - rollout.positions[0]).max() < 0.005  # nothing moves
    assert rollout.positions[-1, k, 2] == pytest.approx(table.size[2] + graph.bodies[k].size[2] / 2, abs=0.005)


def test_a_ball_dropped_into_a_bucket_stays_inside_it():
    graph, rollout, k = _track("a tennis ball falls into a bucket", "tennis_ball", seconds=2.0)
    bucket = next(b for b in graph.bodies if b.noun == "bucket")
    ball = graph.bodies[k]
    bottom = rollout.positions[-1, k, 2] - ball.size[2] / 2
    assert bottom < bucket.size[2] / 2  # below the rim's height: in it, not on a lid
    assert np.linalg.norm(rollout.positions[-1, k, :2] - rollout.positions[-1, 1 - k, :2]) < bucket.size[0] / 2


@pytest.mark.parametrize("times", [2, 3, 4])
def test_bounces_n_times_bounces_that_many_times_above_the_visible_line(times):
    graph, rollout, k = _track(f"a red ball bounces {times} times", "ball", fps=120)  # sampled finely enough for apexes
    radius = graph.bodies[k].size[2] / 2
    height = rollout.positions[:, k, 2] - radius  # [T + 1] clearance over the floor
    vz = rollout.linear_velocity[:, k, 2]
    apexes = [height[t] for t in range(1, len(vz)) if vz[t - 1] > 0 >= vz[t]]  # rising, then falling
    assert sum(apex > VISIBLE_BOUNCE for apex in apexes) == times


def test_a_plate_that_slides_off_a_table_ends_on_the_floor():
    graph, rollout, k = _track("a plate slides off a table", "plate", seconds=2.0)
    assert rollout.positions[0, k, 2] > 0.7  # it starts on the table top
    assert rollout.positions[-1, k, 2] < 0.1  # and ends on the floor


def test_after_one_second_the_ball_waits_then_moves():
    graph, rollout, k = _track("after 1 second, a red ball is pushed to the right", "ball", seconds=2.0)
    fps = graph.settings.fps
    assert np.abs(rollout.linear_velocity[:fps, k]).max() < 1e-6  # at rest for the first second
    assert np.linalg.norm(rollout.linear_velocity[fps + 1, k]) > 1.0


def test_a_fall_said_to_start_later_is_held_still_until_then_and_replays_bit_exactly():
    graph, rollout, k = _track("a mug falls; after 1 second a plate falls", "plate", seconds=2.0)
    fps = graph.settings.fps
    start = graph.bodies[k].position
    assert np.array_equal(rollout.positions[:fps + 1, k], np.tile(start, (fps + 1, 1)))  # held exactly
    assert rollout.positions[-1, k, 2] < start[2] - 0.5  # then let go: it has fallen
    mug = 1 - k
    assert rollout.positions[fps, mug, 2] < graph.bodies[mug].position[2] - 0.5  # the mug fell at once
    again = simulate(parse_prompt("a mug falls; after 1 second a plate falls", seed=0), seconds=2.0)
    assert np.array_equal(again.positions, rollout.positions)
