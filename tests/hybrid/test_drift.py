"""Drift over rolling windows: a body whose colour changes in the last window drifts by that much, a background
that stays put by nothing."""

from types import SimpleNamespace

import numpy as np

from hybrid.drift import drift
from hybrid.pipeline import window_starts
from scenes.script import LIBRARY_DIR, load_script
from sim import render, simulate


def test_drift_is_the_change_of_each_regions_colour_between_windows():
    graph = load_script(LIBRARY_DIR / "stack_on_crate.yaml")
    frames = render(simulate(graph, seconds=5.0, fps=8), graph, size=64)  # 40 frames: 3 windows
    assert len(window_starts(40)) == 3
    video = frames.rgb.astype(np.int16)
    first_body = frames.segmentation == 1
    last_window = np.zeros_like(first_body)
    last_window[window_starts(40)[-1]:] = True
    video[first_body & last_window] += 10  # the first body turns 10 levels lighter in the last window
    video = video.clip(0, 255).astype(np.uint8)
    report = drift(SimpleNamespace(video=video, frames=frames, graph=graph))
    first_id, second_id = (body.id for body in graph.bodies[:2])
    assert 9 <= report[f"body {first_id}"]["drift_levels"] <= 10  # a few pixels may clip at 255
    assert report[f"body {second_id}"]["drift_levels"] < 1  # at rest: its shading barely changes
    assert report["floor"]["drift_levels"] >= 0 and len(report["floor"]["window_colours"]) == 3

