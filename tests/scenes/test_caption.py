"""Canonical captions: normalised English that parses back to an equivalent graph."""

import pytest

from scenes import caption, parse_prompt, same_scene, sample_scene, scene_rng
from scenes.caption import scene_content
from scenes.errors import SceneError
from scenes.parser import read_prompt
from scenes.script import library_scripts, load_script


def test_caption_reads_as_english_and_names_everything():
    graph = parse_prompt("a crimson rubber ball falls from 2 m onto a large blue wooden box. a white back wall. "
                         "the camera orbits to the right for 4 seconds", seed=0)
    assert caption(graph) == (
        "A red rubber ball and a large blue wooden box. There is a grey stone floor. There is a white back "
        "wall. The ball falls from 2 m onto the box. The camera orbits to the right for 4 seconds.")


@pytest.mark.parametrize("words, ground, backdrop", [
    ("on a tiled beige floor under a dusk sky", ("beige", "stone", "tiles"), ("sky", "dusk")),
    ("on a mottled wooden floor. there is a grey room corner on the right", ("grey", "wood", "concrete"),
     ("corner", "grey", "right")),
    ("on a checkered floor in front of a beige back wall", ("grey", "stone", "checker"), ("wall", "beige", None)),
    ("on a grid floor against a white back wall", ("grey", "stone", "grid"), ("wall", "white", None)),
    ("on a plain floor. there is an overcast sky", ("grey", "stone", "plain"), ("sky", "overcast")),
    ("in front of a white back wall. the ball is in front of the back wall", ("grey", "stone", "plain"),
     ("wall", "white", None)),
])
def test_floor_textures_and_backdrops_are_read_and_said(words, ground, backdrop):
    graph = parse_prompt(f"a red ball rests {words}", seed=3)
    content = scene_content(graph)
    assert (content["ground"], content["backdrop"]) == (ground, backdrop)
    assert same_scene(graph, parse_prompt(caption(graph), seed=4))


def test_an_unsaid_floor_texture_and_backdrop_are_a_plain_floor_under_a_hazy_sky_and_go_unsaid():
    graph = parse_prompt("a red ball", seed=3)
    look = scene_content(graph)
    assert (look["ground"], look["backdrop"]) == (("grey", "stone", "plain"), ("sky", "hazy"))
    assert caption(graph) == "A red rubber ball. There is a grey stone floor. The camera is static for 3 seconds."


@pytest.mark.parametrize("prompt, error", [
    ("a red ball rolls toward the back wall", "nothing moves toward a sky or walls"),
    ("a red ball on a white back wall", "a sky or walls cannot hold"),
    ("a white back wall falls", "the sky and walls stay put"),
    ("a red ball under a blue box", "expected a sky or walls after 'under'"),
    ("a ball. a dusk sky. a white back wall", "names two backdrops, a dusk sky and a white back wall"),
])
def test_a_backdrop_is_scenery_never_an_object(prompt, error):
    with pytest.raises(SceneError, match=error):
        parse_prompt(prompt)


def test_groups_and_alike_bodies_are_counted():
    graph = parse_prompt("a tower of four red cubes topples to the left. six white dominoes in a row. "
                         "three blue balls", seed=0)
    text = caption(graph)
    assert text.startswith("A tower of four red wooden cubes, ")
    assert "six white wooden dominoes in a row" in text
    assert "three blue rubber balls" in text
    assert "The tower of red wooden cubes topples to the left." in text


def test_ambiguous_bodies_get_ordinals():
    graph = parse_prompt("two red balls. the first red ball rolls toward the second red ball", seed=0)
    assert "The first red rubber ball rolls toward the second red rubber ball." in caption(graph)


def test_unusual_sizes_and_masses_are_said_exactly():
    graph = parse_prompt("a 45 cm ball, a 37 cm cube and a box weighing 3 kg", seed=0)
    text = caption(graph)
    assert "large" in text and "37 cm" in text and "weighing 3 kg" in text


@pytest.mark.parametrize("prompt", [
    "a red rubber ball falls onto a blue wooden box, then rolls off to the left",
    "eight dominoes in a row and the first domino topples to the right. static camera",
    "a ball rolls down a ramp while the camera dollies in by 30 percent",
    "a small glass ball is thrown at a heavy metal can for 2 seconds",
    "a ball rolls behind a wall at 1.5 m/s and the camera pans right by 35 degrees",
    "a tiny red ball is inside a bowl on a checkered white wooden floor",
    "a red ball rolls toward a blue ball. the camera follows the red ball",
    "many balls fall onto the floor",
])
def test_prompt_caption_prompt_round_trip(prompt):
    graph = parse_prompt(prompt, seed=0)
    again = parse_prompt(caption(graph), seed=9)
    assert same_scene(graph, again), (scene_content(graph), scene_content(again))
    assert caption(again) == caption(graph)  # the caption is a fixed point


@pytest.mark.parametrize("index", range(200))
def test_random_graphs_round_trip_through_captions(index):
    graph = sample_scene(scene_rng(3, "sampler", index))
    text = caption(graph)
    assert same_scene(graph, parse_prompt(text, seed=index)), text


def test_same_scene_notices_differences():
    a = read_prompt("a red ball left of a blue box", seed=0)
    assert not same_scene(a, read_prompt("a red ball right of a blue box", seed=0))
    assert not same_scene(a, read_prompt("a green ball left of a blue box", seed=0))
    assert not same_scene(a, read_prompt("a red ball left of a blue box for 5 seconds", seed=0))
    assert same_scene(a, read_prompt("a red ball is to the left of a blue box", seed=0))


@pytest.mark.parametrize("path", library_scripts(), ids=lambda p: p.stem)
def test_library_scenes_round_trip_through_captions(path):
    graph = load_script(path)
    assert same_scene(graph, parse_prompt(caption(graph), seed=1)), caption(graph)


def test_instance_phrases_name_the_floor_then_each_body_in_graph_order():
    from scenes.caption import instance_phrases
    graph = parse_prompt("a small red rubber ball and a blue wooden box on a checkered grey floor")
    # the floor's material is the parser's default, stone
    assert instance_phrases(graph) == ["checkered grey stone floor", "small red rubber ball", "blue wooden box"]
