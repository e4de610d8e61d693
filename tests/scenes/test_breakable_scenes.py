"""Breakable bodies from prompts, scripts and the sampler: what says a body breaks, and what refuses it."""

import subprocess
import sys

import pytest

from scenes import sample_scene, scene_rng
from scenes.caption import caption
from scenes.errors import SceneError
from scenes.parser import parse_prompt
from scenes.sampler import BREAKABLE_SHARE
from scenes.script import load_script, read_script


def breakable_nouns(prompt: str) -> set[str]:
    return {body.noun for body in parse_prompt(prompt, seed=0).bodies if body.breakable}


@pytest.mark.parametrize("prompt, nouns", [
    ("a glass vase falls off a table and shatters on the floor", {"vase"}),
    ("a plate falls from 1 m and breaks into pieces", {"plate"}),
    ("a wine glass drops onto the floor and cracks", {"wine_glass"}),
    ("the ball shatters the window", {"window_pane"}),
    ("a red ball rolls toward a glass and smashes it into pieces", {"glass"}),
    ("the vase is shattered by a ball", {"vase"}),
    ("a hammer smashes the plate to bits", {"plate"}),
    ("a bottle falls from 2 m. it shatters.", {"bottle"}),
    ("an ice cube falls from 3 m and smashes into pieces", {"cube"}),
    ("a fragile glass vase falls from 1 m", {"vase"}),
    ("a brittle plate on a table", {"plate"}),
])
def test_breaking_words_make_brittle_bodies_breakable(prompt, nouns):
    assert breakable_nouns(prompt) == nouns


@pytest.mark.parametrize("prompt", ["the ball smashes into the wall", "a ball smashes a vase", "a vase falls"])
def test_hitting_is_not_breaking(prompt):
    assert breakable_nouns(prompt) == set()


def test_a_breaking_agent_hits_what_it_breaks():
    graph = parse_prompt("the ball shatters the window", seed=0)
    ball = next(b for b in graph.bodies if b.noun == "ball")
    window = next(b for b in graph.bodies if b.noun == "window_pane")
    assert any(a.subject == ball.id and a.target == window.id for a in graph.actions)


@pytest.mark.parametrize("prompt, noun", [("a rubber ball shatters", "ball"), ("a wooden crate breaks", "crate"),
                                          ("a metal can falls and smashes into pieces", "can"),
                                          ("a fragile rubber ball bounces", "ball")])
def test_asking_an_unbreakable_body_to_break_is_one_clear_error(prompt, noun):
    with pytest.raises(SceneError, match=f"the {noun} is .*, which does not break; kinema breaks glass"):
        parse_prompt(prompt, seed=0)
    result = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", prompt], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_breakable_caption_reads_back_breakable():
    graph = parse_prompt("a glass bottle falls from 1.5 m and shatters", seed=0)
    text = caption(graph)
    assert "The bottle is breakable." in text
    assert breakable_nouns(text) == {"bottle"}


def test_scripts_give_pieces_and_threshold_and_refuse_what_cannot_break(tmp_path):
    script = tmp_path / "scene.yaml"
    script.write_text("version: 1\nbodies:\n"
                      "  - {id: cup, noun: glass, colour: cyan, breakable: {pieces: 12, threshold: 2.5 m/s}}\n"
                      "  - {id: pot, noun: vase, colour: red, breakable: true}\n")
    graph = read_script(script)
    assert graph.body("cup").breakable.pieces == 12 and graph.body("cup").break_threshold == 2.5
    assert graph.body("pot").breakable.pieces == 16 and graph.body("pot").break_threshold == 3.5  # ceramic
    script.write_text("version: 1\nbodies:\n  - {id: ball, noun: ball, colour: red, breakable: true}\n")
    with pytest.raises(SceneError, match=r"scene.yaml:3: bodies\[0\].*rubber does not break"):
        read_script(script)
    script.write_text("version: 1\nbodies:\n  - {id: cup, noun: glass, colour: red, breakable: {pieces: 1}}\n")
    with pytest.raises(SceneError, match="pieces"):
        read_script(script)


def test_the_library_scene_breaks_its_vase():
    graph = load_script("scenes/library/glass_shatters.yaml")
    assert graph.body("vase").breakable.pieces == 16 and graph.body("vase").material.name == "glass"


def test_the_sampler_drops_brittle_bodies_high_enough_to_break_in_a_share_of_scenes():
    scenes = [sample_scene(scene_rng(0, "sampler", index)) for index in range(200)]
    with_breakable = [graph for graph in scenes if any(body.breakable for body in graph.bodies)]
    assert abs(len(with_breakable) / len(scenes) - BREAKABLE_SHARE) < 0.1
    for graph in with_breakable:
        body = next(body for body in graph.bodies if body.breakable)
        assert body.material.break_speed is not None
        drop = next(a for a in graph.actions if a.subject == body.id)
        assert drop.action == "drop" and (2 * 9.81 * drop.height) ** 0.5 > 1.2 * body.break_threshold
