"""Appearance: shadows, seeded textures that keep a body's colour, floors, skies and walls, all from the graph."""

import numpy as np
import pytest

from handmade import body, rollout, scene
from scenes.bodies import colour
from scenes.schema import FLOOR_TEXTURES, Backdrop, Light, Settings
from scenes.vocabulary import MATERIALS
from scenes.seeding import scene_rng
from sim import render, render_scene
from sim.appearance import SKIES
from sim.textures import DARK_SHADE, body_pattern, floor_pattern, wall_pattern


@pytest.mark.parametrize("material_name", sorted(MATERIALS))
def test_body_patterns_keep_the_colour_on_average_and_tile_seamlessly(material_name):
    pattern = body_pattern(material_name, scene_rng(0, "material_texture", 1))
    assert pattern.mean() == pytest.approx(1.0, abs=1e-5) and pattern.min() > 0
    steps = np.abs(np.diff(pattern, axis=0)).mean()
    assert np.abs(pattern[0] - pattern[-1]).mean() < 3 * steps + 1e-6  # the wrap is no seam
    assert np.abs(pattern[:, 0] - pattern[:, -1]).mean() < 3 * np.abs(np.diff(pattern, axis=1)).mean() + 1e-6


def test_textures_come_from_the_seed():
    first, again = (body_pattern("wood", scene_rng(4, "material_texture", 1)) for _ in range(2))
    other = body_pattern("wood", scene_rng(5, "material_texture", 1))
    assert np.array_equal(first, again) and not np.allclose(first, other)
    assert body_pattern("wood", scene_rng(4, "material_texture", 1)).std() > \
        body_pattern("plastic", scene_rng(4, "material_texture", 1)).std()  # grain shows, plastic is smooth


def test_each_floor_has_its_own_pattern():
    patterns = {name: floor_pattern(name, scene_rng(0, "texture", 0)) for name in FLOOR_TEXTURES}
    assert np.all(patterns["plain"] == 1.0)
    assert all(patterns[name].std() > 0.02 for name in FLOOR_TEXTURES if name != "plain")
    for name in ("checker", "grid", "tiles", "planks"):  # lines and squares in the floor's shade
        assert np.isclose(patterns[name], DARK_SHADE).mean() > 0.02
    assert wall_pattern(scene_rng(0, "texture", 1)).mean() == pytest.approx(1.0, abs=1e-5)


def crate_on_the_floor(**changes):
    graph = scene([body("crate", "crate", "red", (0.0, 0.0, 0.3), size=(0.6, 0.6, 0.6), material_name="wood")],
                  texture="plain")
    for name, value in changes.items():
        setattr(graph, name, value)
    return graph


def test_the_same_seed_gives_the_same_pixels_and_another_seed_other_textures_on_the_same_maps():
    graph = crate_on_the_floor()
    moving = rollout(graph, 2)
    first, again = render(moving, graph, size=64), render(moving, graph, size=64)
    assert np.array_equal(first.rgb, again.rgb)
    reseeded = crate_on_the_floor(settings=Settings(seed=9))
    other = render(moving, reseeded, size=64)
    assert not np.array_equal(first.rgb, other.rgb)
    assert np.array_equal(first.segmentation, other.segmentation) and np.array_equal(first.depth, other.depth)


def test_a_body_casts_a_shadow_on_the_floor_and_nothing_else_changes():
    graph = crate_on_the_floor()
    graph.add_light(Light(id="sun", direction=(1.0, 0.3, -0.8)))  # the shadow falls to the right, in view
    still = rollout(graph, 1)
    lit, unshadowed = render(still, graph, size=96), render(still, graph, size=96, shadows=False)
    floor = lit.segmentation[0] == 0
    darker = (lit.rgb[0].astype(int).sum(-1) < unshadowed.rgb[0].astype(int).sum(-1) - 30) & floor
    assert darker.sum() > 50  # the crate's shadow (the crate covers ~200 pixels)
    assert np.array_equal(lit.segmentation, unshadowed.segmentation) and np.array_equal(lit.flow, unshadowed.flow)
    # The floor in shadow keeps about half its brightness (sky fill), so it is still keyed as floor.
    ratio = lit.rgb[0][darker].mean() / unshadowed.rgb[0][darker].mean()
    assert 0.35 < ratio < 0.75


def test_the_sky_is_a_gradient_from_its_horizon_up_to_its_zenith():
    graph = scene([body("ball", "ball", "red", (0.0, 0.0, 0.15))], eye=(0.0, -5.0, 0.5), look_at=(0.0, 0.0, 1.5))
    graph.backdrop = Backdrop(sky="dusk")
    frames = render(rollout(graph, 1), graph, size=64)
    sky, rgb = SKIES["dusk"], frames.rgb[0].astype(float) / 255
    top, low = rgb[0].mean(axis=0), rgb[np.nonzero(frames.depth[0].any(axis=1))[0][0] - 1].mean(axis=0)
    assert np.abs(top - sky.colours(np.array(0.5))).max() < 0.1  # looking 20+ degrees up
    assert np.linalg.norm(low - np.asarray(sky.horizon)) < np.linalg.norm(top - np.asarray(sky.horizon))
    assert (frames.depth[0][0] == 0).all()  # the sky is still no surface


@pytest.mark.parametrize("kind", ["wall", "corner"])
def test_walls_stand_beyond_every_body_and_are_neither_ground_nor_sky(kind):
    graph = scene([body("ball", "ball", "red", (0.0, 0.0, 0.15))])
    graph.backdrop = Backdrop(kind=kind, colour=colour("beige"), side="left")
    frames = render(rollout(graph, 4, velocities={"ball": (0.0, 3.0, 0.0)}), graph, size=64)  # rolls 1.5 m away
    walls = frames.wall_mask()
    assert walls[:, 0].all() and (frames.depth > 0).all()  # the top rows are wall; no sky is left
    assert np.isnan(frames.ground_uv()[walls]).all() and not np.isnan(frames.ground_uv()[frames.ground_mask()]).any()
    assert (frames.segmentation[walls] == 0).all() and (frames.segmentation == 1).sum(axis=(1, 2)).min() > 0
    beige = np.median(frames.rgb[walls].astype(float), axis=0) / 255
    assert np.abs(beige / beige.max() - np.asarray(colour("beige").rgb) / max(colour("beige").rgb)).max() < 0.08
    if kind == "corner":  # the side wall fills the left edge
        assert walls[0, :24, 0].all()


@pytest.mark.parametrize("material_name", ["wood", "stone", "metal"])
def test_a_textured_body_shows_its_named_colour_on_average(monkeypatch, material_name):
    graph = scene([body("cube", "cube", "red", (0.0, 0.0, 0.3), size=(0.6, 0.6, 0.6), material_name=material_name)],
                  texture="plain")
    still = rollout(graph, 1)
    textured = render(still, graph, size=96)
    monkeypatch.setattr(render_scene, "body_pattern", lambda name, rng: np.ones((8, 8), np.float32))
    flat = render(still, graph, size=96)
    cube = textured.segmentation[0] == 1
    assert np.abs(textured.rgb[0][cube].std(axis=0)).max() > np.abs(flat.rgb[0][cube].std(axis=0)).max()
    assert np.abs(textured.rgb[0][cube].mean(axis=0) - flat.rgb[0][cube].mean(axis=0)).max() < 4  # grey levels
