"""Rendering: exact planar depth, stable instance ids, recognisable colours, shapes upright, one kept renderer."""

import numpy as np
import pytest

from handmade import body, rollout, scene
from sim import Frames, camera_track, render
from sim.errors import SimError
from sim.appearance import TEXTURE_PERIOD
from scenes.script import LIBRARY_DIR, load_script
from sim import render_scene, renderer
from sim.gl import pyrender


def library_graph(name: str):
    return load_script(LIBRARY_DIR / f"{name}.yaml")


def facing_crate():
    """A crate whose front face is 3.8 m straight ahead of a level camera."""
    return scene([body("crate", "crate", "blue", (0.0, 0.0, 0.5), size=(1.5, 0.4, 1.0))],
                 eye=(0.0, -4.0, 0.5), look_at=(0.0, 0.0, 0.5))


def test_planar_depth_of_a_facing_plane_is_exact_and_the_sky_is_zero():
    graph = facing_crate()
    frames = render(rollout(graph, 1), graph, size=64)
    face = frames.segmentation[0] == 1
    assert face.sum() > 200
    assert np.allclose(frames.depth[0][face], 3.8, rtol=1e-4)
    sky = frames.depth[0] == 0
    assert sky[0].all() and not sky[-1].any() and (frames.segmentation[0][sky] == 0).all()


def test_an_id_is_the_same_before_and_after_its_body_passes_behind_another():
    graph = scene([body("wall", "wall", "grey", (0.0, -1.0, 0.5), size=(1.0, 0.1, 1.0)),
                   body("ball", "ball", "red", (-2.0, 1.0, 0.15))], eye=(0.0, -5.0, 1.0), look_at=(0.0, 0.0, 0.5))
    frames = render(rollout(graph, 8, velocities={"ball": (4.0, 0.0, 0.0)}), graph, size=96)  # x: -2.0 .. 1.5
    seen = [set(np.unique(seg)) for seg in frames.segmentation]
    assert all(1 in ids for ids in seen)
    assert [2 in ids for ids in seen] == [True, True, True, False, False, False, True, True]
    for t in (0, 7):  # the same red body carries id 2 on both sides of the wall
        red = frames.rgb[t][frames.segmentation[t] == 2].astype(float).mean(axis=0)
        assert red[0] > 2 * max(red[1], red[2])


def test_each_body_shows_its_own_colour():
    graph = scene([body("r", "cube", "red", (-0.8, 0.0, 0.15)), body("g", "cube", "green", (0.0, 0.0, 0.15)),
                   body("b", "cube", "blue", (0.8, 0.0, 0.15), material_name="metal")])
    frames = render(rollout(graph, 1), graph, size=96)
    for k, channel in enumerate((0, 1, 2), start=1):
        mean = frames.rgb[0][frames.segmentation[0] == k].astype(float).mean(axis=0)
        assert mean.argmax() == channel and mean[channel] > 1.5 * np.delete(mean, channel).max()


def test_shapes_stand_on_their_local_z_axis():
    graph = scene([body("cone", "cone", "green", (-0.5, 0.0, 0.5), size=(0.6, 0.6, 1.0)),
                   body("pillar", "pillar", "yellow", (0.5, 0.0, 0.5))], eye=(0.0, -4.0, 0.5), look_at=(0.0, 0.0, 0.5))
    seg = render(rollout(graph, 1), graph, size=128).segmentation[0]
    rows = [np.nonzero((seg == k).any(axis=1))[0] for k in (1, 2)]
    cone_widths = [(seg[row] == 1).sum() for row in (rows[0][2], rows[0][-3])]
    assert cone_widths[0] < cone_widths[1] / 4  # apex up, base down
    pillar_width = (seg == 2).any(axis=0).sum()
    assert len(rows[1]) > 2.5 * pillar_width  # its 1 m axis is vertical, its 0.3 m diameter across


def test_a_mesh_body_and_a_tile_are_drawn():
    graph = scene([body("bowl", "bowl", "purple", (-0.6, 0.0, 0.15)), body("tile", "tile", "pink", (0.6, 0.0, 0.0))])
    seg = render(rollout(graph, 1), graph, size=64).segmentation[0]
    assert (seg == 1).sum() > 20 and (seg == 2).sum() > 20


def test_one_renderer_serves_every_call_and_draws_as_a_fresh_one_would(monkeypatch):
    made = {"renderers": 0, "scenes": 0}

    class CountedRenderer(pyrender.OffscreenRenderer):
        def __init__(self, *args, **kwargs):
            made["renderers"] += 1
            super().__init__(*args, **kwargs)

    class CountedScene(render_scene._ShadowScene):
        def __init__(self, *args, **kwargs):
            made["scenes"] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pyrender, "OffscreenRenderer", CountedRenderer)
    monkeypatch.setattr(render_scene, "_ShadowScene", CountedScene)
    renderer._forget_renderer()
    crate, other = facing_crate(), library_graph("stack_on_crate")
    first = render(rollout(crate, 5), crate, size=32)
    render(rollout(other, 3), other, size=48, aspect="16:9")  # another scene and size in between
    again = render(rollout(crate, 5), crate, size=32)
    assert made == {"renderers": 1, "scenes": 3}  # one scene per call, one renderer for all
    renderer._forget_renderer()
    fresh = render(rollout(crate, 5), crate, size=32)
    for name in ("rgb", "depth", "segmentation", "flow", "valid_flow"):
        assert np.array_equal(getattr(again, name), getattr(first, name)), name
        assert np.array_equal(getattr(fresh, name), getattr(first, name)), name


def test_sizes_come_from_size_and_aspect_or_from_the_camera_track():
    graph = facing_crate()
    moving = rollout(graph, 2)
    frames = render(moving, graph, size=32, aspect="16:9")
    assert frames.rgb.shape == (2, 32, 56, 3) and frames.size == (56, 32)
    assert frames.intrinsics.shape == (3, 3, 3) and frames.world_from_camera.shape == (3, 4, 4)
    frames = render(moving, graph, camera=camera_track(graph, moving, 40, 24))
    assert frames.rgb.shape == (2, 24, 40, 3) and frames.flow.shape == (2, 24, 40, 2)
    assert frames.depth.dtype == np.float32 and frames.segmentation.dtype == np.int32
    assert frames.valid_flow.dtype == bool


def test_a_rollout_of_another_graph_is_refused():
    graph = facing_crate()
    other = scene([body("ball", "ball", "red", (0.0, 0.0, 0.15))])
    with pytest.raises(SimError, match="not the graph's"):
        render(rollout(other, 2), graph, size=32)


def test_frames_survive_a_save_and_load(tmp_path):
    graph = facing_crate()
    frames = render(rollout(graph, 2, velocities={"crate": (0.3, 0.0, 0.0)}), graph, size=32)
    loaded = Frames.load(frames.save(tmp_path / "frames.npz"))
    for name in ("rgb", "depth", "segmentation", "flow", "valid_flow", "intrinsics", "world_from_camera"):
        original, copy = getattr(frames, name), getattr(loaded, name)
        assert original.dtype == copy.dtype and np.array_equal(original, copy)
    assert (loaded.z_near, loaded.z_far) == (frames.z_near, frames.z_far)


def test_world_points_put_the_ground_at_z_0_and_the_crate_face_at_its_place():
    graph = facing_crate()
    frames = render(rollout(graph, 1), graph, size=64)
    points = frames.world_points()[0]  # [H, W, 3]
    ground = (frames.depth[0] > 0) & (frames.segmentation[0] == 0)
    face = frames.segmentation[0] == 1
    assert ground.sum() > 200 and np.abs(points[ground][:, 2]).max() < 1e-3
    assert np.allclose(points[face][:, 1], -0.2, atol=2e-3)  # the face 0.2 m in front of the crate's centre
    assert np.isnan(points[frames.depth[0] == 0]).all()


def test_ground_uv_is_the_ground_textures_coordinates_and_its_checker_phase_matches_the_render():
    graph = scene([body("crate", "crate", "blue", (0.0, 0.0, 0.5))], texture="checker")
    frames = render(rollout(graph, 1), graph, size=96)
    uv = frames.ground_uv()[0]  # [H, W, 2]
    ground = (frames.depth[0] > 0) & (frames.segmentation[0] == 0)
    assert np.isnan(uv[~ground]).all() and not np.isnan(uv[ground]).any()
    assert np.allclose(uv[ground], frames.world_points()[0][ground][:, :2] / TEXTURE_PERIOD)
    # a 2 x 2 checker per tile: one diagonal pair of quarter-tiles is dark; away from the edges, the render agrees
    within = uv % 1.0
    quarter = (within >= 0.5).astype(int)
    clear = ground & (np.abs(within - 0.5) > 0.1).all(-1) & (np.abs(within - 0.5) < 0.4).all(-1)
    diagonal = (quarter[..., 0] ^ quarter[..., 1]).astype(bool)
    brightness = frames.rgb[0].astype(float).mean(-1)
    assert clear.sum() > 300
    assert abs(brightness[clear & diagonal].mean() - brightness[clear & ~diagonal].mean()) > 25


def test_meshes_and_lights_are_drawn_in_the_order_they_were_added():
    """pyrender keeps nodes in sets ordered by memory address; where surfaces tie in depth (a wall's foot on the
    floor) the first drawn shows, so the order must be the scene's own for the same pixels on every call."""
    graph = library_graph("dominoes")  # a room corner: two walls standing on the floor
    moving = rollout(graph, 3)
    stage = render_scene.RenderScene(graph, camera_track(graph, moving, 64, 64), moving)
    scenery = [node for node in stage.seg_node_map if node not in stage.body_nodes]
    assert stage.scene.mesh_nodes == scenery + stage.body_nodes + stage.piece_nodes
    assert len(stage.scene.light_nodes) >= 1
    first = render(moving, graph, size=96)
    for _ in range(3):
        renderer._forget_renderer()
        assert np.array_equal(render(moving, graph, size=96).rgb, first.rgb)
